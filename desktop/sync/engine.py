"""`SyncEngine`: keeps one user's cache in step with the server. No Qt: the UI subscribes to `SyncStatus`.

A round (`sync_once`) is pull, push, pull: the first pull rebases pending changes on the newest server
state, the push sends the outbox in order, the last pull brings back the server's own records of what
was pushed. `run_forever` does rounds and, between them, long-polls so another workstation's change
shows here within a fraction of a second; a local change is pushed at once, even during a long poll: the
engine hears of every change the outbox gains from the store itself (`LocalStore.subscribe`), so no
screen has to wake it. When the server cannot be reached it waits with exponential backoff and jitter (or the
server's Retry-After) and reports the workstation as offline; changes keep queueing meanwhile.

A server whose database went back to an older state (restored from a backup) is found three ways: its
epoch changed (shared/protocol.py), a push meets `server_restored` or a `mutation_gap`, or a pull reports
fewer of our changes settled than the server had answered before that pull left. Then the queue
continues from the server's last settled number: the changes it lost are sent again if this cache still
keeps them, the rest are counted for their author (`SyncStatus.server_restore`), and the cache is
fetched afresh, so nothing stays stuck on numbers the server no longer knows.
"""

from __future__ import annotations

import enum
import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import NamedTuple

from desktop.store import LocalStore, PulledRows, StorageUnavailable
from desktop.store.changes import OpChanges
from desktop.store.server_restore import ServerRestore
from desktop.sync.backoff import Backoff
from desktop.sync.client import (
    Offline,
    RequestRefused,
    ServerUnavailable,
    SignInRequired,
    SyncClient,
    SyncError,
    UpdateRequired,
)
from shared.errors import ErrorCode
from shared.protocol import (
    MAX_LONG_POLL_SECONDS,
    MAX_PULL_LIMIT,
    MAX_PUSH_BATCH,
    OLD_MAX_PUSH_BATCH,
    PullResponse,
    PushRequest,
)

log = logging.getLogger(__name__)

# Push refusals that mean the server has fewer of our changes than we were told: put the queue right.
_SERVER_WENT_BACK = frozenset({ErrorCode.SERVER_RESTORED.value, ErrorCode.MUTATION_GAP.value})


class Connection(enum.StrEnum):
    ONLINE = "online"
    OFFLINE = "offline"
    SYNCING = "syncing"
    SERVER_UNAVAILABLE = "server_unavailable"
    UPDATE_REQUIRED = "update_required"
    SIGN_IN_REQUIRED = "sign_in_required"
    FAILED = "failed"  # the server refused a sync request: a bug on one side, reported to IT
    STORAGE_UNAVAILABLE = "storage_unavailable"  # the local cache cannot be written (disk full, locked...)


@dataclass(frozen=True)
class SyncStatus:
    """What the status bar shows."""

    state: Connection = Connection.OFFLINE
    last_synced_at: datetime | None = None
    queued: int = 0
    rejected: int = 0
    conflicts: int = 0
    message: str | None = None
    server_restore: ServerRestore | None = None  # the server was found restored during this session


StatusListener = Callable[[SyncStatus], None]


@dataclass(frozen=True)
class PullProgress:
    """After each committed page of a pull: how far it has come (the initial sync's progress bar)."""

    rows: int  # changes committed so far in this pull
    pages: int
    has_more: bool
    initial: bool  # the pull started without a cursor: the cache is being filled for the first time
    total_estimate: int | None = None  # the server's count of the snapshot's rows; None when it did not say


ProgressListener = Callable[[PullProgress], None]


class SyncEngine:
    """Drives one LocalStore against one SyncClient. `sync_once` and `run_forever` run on a network thread."""

    def __init__(
        self,
        store: LocalStore,
        client: SyncClient,
        *,
        backoff: Backoff | None = None,
        page_size: int = MAX_PULL_LIMIT,
        push_batch: int = MAX_PUSH_BATCH,
        long_poll_seconds: float = 20.0,
    ) -> None:
        self._store = store
        self._client = client
        self._backoff = backoff or Backoff(base=1.0, cap=120.0)
        self._page_size = page_size
        self._push_batch = push_batch
        self._long_poll_seconds = min(long_poll_seconds, MAX_LONG_POLL_SECONDS)
        self.listeners: list[StatusListener] = []
        self.progress_listeners: list[ProgressListener] = []
        self._status = SyncStatus()
        self._status_lock = threading.Lock()
        self._push_lock = threading.Lock()
        self._pull_lock = threading.Lock()
        self._wake = threading.Event()
        self._server_epoch: str | None = None
        self._server_epoch_loaded = False
        self._recoveries = 0  # how often this engine put its queue right after a restore
        # Sends the documents attached on this workstation (desktop/ops/documents.py), after each push:
        # an interrupted upload resumes at the next round, also after a restart. Raises SyncError.
        self.send_documents: Callable[[], object] | None = None
        store.subscribe(self._store_changed)  # held weakly: a replaced engine stops hearing

    # ---- status ----

    @property
    def status(self) -> SyncStatus:
        return self._status

    def _publish(self, **changes: object) -> None:
        try:
            counts = self._store.counts()
            changes.update(queued=counts.queued, rejected=counts.rejected, conflicts=counts.conflicts)
        except StorageUnavailable:
            pass  # keep the last known counts; the failure itself is reported by the caller
        with self._status_lock:
            new = replace(self._status, **changes)  # type: ignore[arg-type]
            if new == self._status:
                return
            self._status = new
        for listener in list(self.listeners):
            try:
                listener(new)
            except Exception:  # a broken view must not stop syncing
                log.exception("sync status listener failed")

    def wake(self) -> None:
        """Update the counts and push now (a local change is noticed without it: `_store_changed`)."""
        self._publish()
        self._wake.set()

    def _store_changed(self, changes: OpChanges) -> None:
        """On the store's writer thread, after a write: a change joined the outbox, so push it now; an
        entry was answered or dismissed, so the counts change."""
        if changes.queued:
            self.wake()
        elif changes.outbox:
            self._publish()

    # ---- one round ----

    def sync_once(self) -> SyncStatus:
        """Pull, push, pull. Never raises SyncError: the outcome is in the returned status.

        Raises StorageUnavailable when the local cache cannot be written.
        """
        try:
            self._round()
        except SyncError as exc:
            self._report(exc)
        except StorageUnavailable as exc:
            self._publish(state=Connection.STORAGE_UNAVAILABLE, message=str(exc))
            raise
        return self._status

    def _round(self) -> None:
        self._publish(state=Connection.SYNCING, message=None)
        self.pull()
        self.push()
        self._send_documents()
        self.pull()
        self._publish(state=Connection.ONLINE, last_synced_at=datetime.now(UTC), message=None)

    def _send_documents(self) -> None:
        if self.send_documents is not None:
            self.send_documents()

    def _report(self, exc: SyncError) -> None:
        state = {
            Offline: Connection.OFFLINE,
            ServerUnavailable: Connection.SERVER_UNAVAILABLE,
            UpdateRequired: Connection.UPDATE_REQUIRED,
            SignInRequired: Connection.SIGN_IN_REQUIRED,
        }.get(type(exc), Connection.FAILED)
        self._publish(state=state, message=str(exc))

    def pull(self, *, wait: float = 0.0) -> int:
        """Fetch and commit pages until the server has nothing more; returns the number of changes.

        Each page is committed together with the cursor after it, so an interrupted initial sync resumes
        where it stopped instead of starting over. One pull at a time: two would race on the cursor.
        """
        applied = 0
        resets = 0
        pages = 0
        total: int | None = None  # the snapshot's count; its tail pages do not repeat it
        with self._pull_lock:
            if self._store.cache_reset_pending():  # a push found the server restored
                self._store.reset_cache_after_restore()
            initial = self._store.sync_state().cursor is None
            ahead: _PageAhead | None = None
            known_ahead = _Known(0, 0)
            recovered = False
            while True:
                state = self._store.sync_state()
                prepared: PulledRows | None = None
                if ahead is not None:
                    (page, prepared), ahead = ahead.result(), None
                    known = known_ahead
                else:
                    known = self._known_before_asking()
                    page = self._client.pull(
                        cursor=state.cursor, client_id=state.client_id, limit=self._page_size, wait=wait
                    )
                if self._went_back(page, answered=known.answered):
                    if recovered:  # the fresh start must not find the server gone back again
                        raise RequestRefused(
                            "The server keeps going back to older states.", status=200, code="restore_loop"
                        )
                    recovered = True
                    with self._push_lock:  # no push in flight with the numbers about to change
                        # Unless a push has met the restore since the request left (this page is then
                        # older news, and its count may predate what that recovery sent again).
                        if self._recoveries == known.recoveries:
                            self._recover(
                                last_mutation_id=page.last_mutation_id, server_epoch=page.server_epoch
                            )
                    self._store.reset_cache_after_restore()
                    initial, resets, wait = True, 0, 0.0
                    continue
                self._learn_epoch(page.server_epoch)
                if page.has_more and not page.reset_required:
                    # The next page is fetched and sorted into rows while this one is written (it needs
                    # only this page's cursor): the server's work, our parsing and SQLite's writing (which
                    # releases the GIL) overlap. If writing fails, its answer is dropped.
                    known_ahead = self._known_before_asking()
                    ahead = _PageAhead(
                        self._client,
                        self._store.prepare_pull,
                        cursor=page.cursor,
                        client_id=state.client_id,
                        limit=self._page_size,
                    )
                self._store.apply_pull(page, prepared=prepared)
                applied += len(page.changes)
                pages += 1
                if page.total_estimate is not None:
                    total = page.total_estimate
                if page.changes:
                    self._publish()
                    self._report_progress(PullProgress(applied, pages, page.has_more, initial, total))
                if page.reset_required:
                    resets += 1
                    if resets > 1:  # a fresh cursor must not be "too old" again
                        raise RequestRefused(
                            "The server keeps asking for a fresh start.", status=200, code="reset_loop"
                        )
                elif not page.has_more:
                    return applied
                wait = 0.0

    # ---- a server restored from a backup ----

    def _known_epoch(self) -> str | None:
        """The server epoch this cache is in step with (read from the store once)."""
        if not self._server_epoch_loaded:
            self._server_epoch = self._store.server_epoch()
            self._server_epoch_loaded = True
        return self._server_epoch

    def _learn_epoch(self, epoch: str | None) -> None:
        """The first epoch a server tells us is the one we are in step with (a change means a restore).
        A server that tells none is of a version before epochs (a rollback): it would refuse ours."""
        if epoch != self._known_epoch() and (epoch is None or self._known_epoch() is None):
            self._store.remember_server_epoch(epoch)
            self._server_epoch = epoch

    def _known_before_asking(self) -> _Known:
        """Read before a pull leaves: the server settled each of these numbers before it counts them."""
        return _Known(answered=self._store.last_answered_mutation_id(), recoveries=self._recoveries)

    def _went_back(self, page: PullResponse, *, answered: int) -> bool:
        """Whether this page comes from a server that went back to an older state: another epoch, or
        fewer of our changes settled than it had answered before the page was asked for."""
        known = self._known_epoch()
        if page.server_epoch is not None and known is not None and page.server_epoch != known:
            return True
        return page.last_mutation_id < answered

    def _recover(self, *, last_mutation_id: int, server_epoch: str | None) -> None:
        """Continue the queue from the server's `last_mutation_id` (the caller holds the push lock); the
        cache is fetched afresh at the next pull."""
        notice = self._store.recover_from_server_restore(
            last_mutation_id=last_mutation_id, server_epoch=server_epoch
        )
        self._recoveries += 1
        if server_epoch is not None:
            self._server_epoch = server_epoch
        log.warning(
            "the sync server went back to an older state (settled up to %d): %d change(s) sent again,"
            " up to %d lost",
            last_mutation_id,
            notice.resent,
            notice.lost,
        )
        self._publish(server_restore=notice)

    def _recover_from_refusal(self, refusal: RequestRefused) -> None:
        """A push met `server_restored` or `mutation_gap`: recover from the number the server gives."""
        last = refusal.details.get("last_mutation_id")
        if isinstance(last, bool) or not isinstance(last, int) or last < 0:
            raise refusal  # no number to continue from: nothing here can put it right
        epoch = refusal.details.get("server_epoch")
        self._recover(last_mutation_id=last, server_epoch=epoch if isinstance(epoch, str) and epoch else None)

    def _report_progress(self, progress: PullProgress) -> None:
        for listener in list(self.progress_listeners):
            try:
                listener(progress)
            except Exception:  # a broken progress bar must not stop syncing
                log.exception("sync progress listener failed")

    def push(self) -> None:
        """Send queued (and sent but unanswered) changes in order until none are left.

        Each batch is marked sent before the request goes out, so the author sees it has left.
        Raises ServerUnavailable when the server stops the batch early (retry later).
        """
        with self._push_lock:
            limit = self._push_batch
            recovered = False
            while True:
                batch = self._store.mutations_to_push(limit=limit)
                if not batch:
                    return
                self._store.mark_sent(m.mutation_id for m in batch)
                self._publish()
                client_id = batch[0].client_id
                try:
                    response = self._client.push(
                        PushRequest(client_id=client_id, mutations=batch, server_epoch=self._known_epoch())
                    )
                except RequestRefused as exc:
                    if exc.status == 409 and exc.code in _SERVER_WENT_BACK and not recovered:
                        # The server lost changes it had settled: renumber the queue from its last one
                        # and send again (once per push: a second refusal is a final answer).
                        recovered = True
                        self._recover_from_refusal(exc)
                        continue
                    if exc.status not in (413, 422) or len(batch) <= OLD_MAX_PUSH_BATCH:
                        raise
                    # Too big for this server: an older one takes OLD_MAX_PUSH_BATCH changes per push
                    # (422), and a batch of the largest tickets can pass the body limit (413); that many
                    # always fit. The changes were not applied: send them again, fewer at a time.
                    log.info("the server refused a push of %d changes (%d)", len(batch), exc.status)
                    if exc.status == 422:
                        self._push_batch = OLD_MAX_PUSH_BATCH
                    limit = OLD_MAX_PUSH_BATCH
                    continue
                self._learn_epoch(response.server_epoch)
                self._store.apply_push_results(response)
                self._publish()
                if response.stopped_early:
                    raise ServerUnavailable(
                        "The server could not take every change right now; retrying shortly.",
                        retry_after=response.retry_after_seconds,
                    )
                remaining = self._store.mutations_to_push(limit=1)
                if remaining and remaining[0].mutation_id == batch[0].mutation_id:
                    # No answer for the first change and no reason given: do not spin on it.
                    raise ServerUnavailable("The server did not settle the oldest change; retrying later.")

    # ---- forever ----

    def run_forever(self, stop: threading.Event) -> None:
        """Sync until `stop` is set, or until an update or a new sign-in is required.

        Server and storage troubles are reported in the status and retried with backoff; our own bugs
        propagate (the app's crash handler reports them).

        Call `client.close()` after setting `stop` to cut a long poll short.
        """
        failures = 0
        while not stop.is_set():
            try:
                self._round()
                failures = 0
                self._follow(stop)
            except (UpdateRequired, SignInRequired) as exc:
                self._report(exc)
                return
            except SyncError as exc:
                if stop.is_set():
                    return
                self._report(exc)
                failures += 1
                retry_after = exc.retry_after if isinstance(exc, ServerUnavailable) else None
                self._rest(stop, self._backoff.delay(failures, retry_after=retry_after))
            except StorageUnavailable as exc:
                # The environment's problem (disk full, cache locked): tell the user, try again later.
                self._publish(state=Connection.STORAGE_UNAVAILABLE, message=str(exc))
                failures += 1
                self._rest(stop, self._backoff.delay(failures))
            except RuntimeError:
                if stop.is_set():
                    return  # the client was closed under a long poll: we are shutting down
                raise

    def _rest(self, stop: threading.Event, seconds: float) -> None:
        """Wait out a backoff; a local change or `stop` ends it early (the user wants it sent now)."""
        deadline = time.monotonic() + seconds
        while not stop.is_set():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            if self._wake.wait(min(remaining, 0.2)):
                self._wake.clear()
                return

    def _follow(self, stop: threading.Event) -> None:
        """Stay current while online: long-poll on a helper thread, push local changes as they come."""
        while not stop.is_set():
            outcome: dict[str, BaseException] = {}
            done = threading.Event()
            poller = threading.Thread(
                target=self._long_poll, args=(outcome, done), name="warddesk-long-poll", daemon=True
            )
            poller.start()
            push_error: SyncError | None = None
            while not done.is_set() and not stop.is_set():
                if self._wake.wait(0.1):
                    self._wake.clear()
                    try:
                        self.push()
                        self._send_documents()
                    except SyncError as exc:
                        push_error = exc
                        break
            poller.join()
            if "error" in outcome:
                raise outcome["error"]
            if push_error is not None:
                raise push_error
            if self._store.counts().queued:
                self.push()

    def _long_poll(self, outcome: dict[str, BaseException], done: threading.Event) -> None:
        try:
            if self.pull(wait=self._long_poll_seconds):
                self._publish(last_synced_at=datetime.now(UTC))
        except BaseException as exc:  # handed over to the engine's thread by _follow
            outcome["error"] = exc
        finally:
            done.set()


class _Known(NamedTuple):
    """What the engine knew when a pull left."""

    answered: int  # the highest mutation number the server had answered
    recoveries: int  # SyncEngine._recoveries


class _PageAhead:
    """One pull request running on its own thread, its page then sorted into rows by `prepare`;
    `result()` waits for both or re-raises the error."""

    def __init__(
        self,
        client: SyncClient,
        prepare: Callable[[PullResponse], PulledRows],
        *,
        cursor: str,
        client_id: uuid.UUID,
        limit: int,
    ) -> None:
        self._result: tuple[PullResponse, PulledRows] | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(
            target=self._fetch,
            args=(client, prepare, cursor, client_id, limit),
            name="warddesk-pull-ahead",
            daemon=True,
        )
        self._thread.start()

    def _fetch(
        self,
        client: SyncClient,
        prepare: Callable[[PullResponse], PulledRows],
        cursor: str,
        client_id: uuid.UUID,
        limit: int,
    ) -> None:
        try:
            page = client.pull(cursor=cursor, client_id=client_id, limit=limit)
            self._result = (page, prepare(page))
        except BaseException as exc:  # handed to the engine's thread by result()
            self._error = exc

    def result(self) -> tuple[PullResponse, PulledRows]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result
