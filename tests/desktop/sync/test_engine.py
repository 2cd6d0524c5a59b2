"""The sync engine's own rules, against an in-test fake of the protocol (the real server: see
test_against_real_server.py)."""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import httpx
import pytest

from desktop.store import LocalStore, StorageUnavailable
from desktop.store.mutations import queue_ticket_action
from desktop.sync import Backoff, Connection, SyncClient, SyncEngine, SyncStatus
from shared.protocol import OLD_MAX_PUSH_BATCH, Entity, PushRequest
from shared.roles import Role
from shared.tickets import TicketAction
from tests.desktop.sync.conftest import SERVER, WARD, submit_ticket
from tests.desktop.sync.fake_server import FakeSyncServer, error_answer


class Tokens:
    def __init__(self, server: FakeSyncServer) -> None:
        self.server = server
        self.current = "token-1"
        self.refreshes = 0

    def access_token(self) -> str:
        return self.current

    def refresh(self, rejected: str) -> str:
        self.refreshes += 1
        self.current = f"token-{self.refreshes + 1}"
        self.server.valid_tokens.add(self.current)
        return self.current


class Setup:
    def __init__(
        self, store: LocalStore, server: FakeSyncServer, *, transport: httpx.BaseTransport | None = None
    ):
        self.sleeps: list[float] = []
        self.tokens = Tokens(server)
        self.client = SyncClient(
            SERVER,
            tokens=self.tokens,
            transport=transport or server.transport(),
            sleep=self.sleeps.append,
            backoff=Backoff(base=0.01, cap=0.05),
        )
        self.engine = SyncEngine(
            store, self.client, backoff=Backoff(base=0.01, cap=0.05), long_poll_seconds=0.2
        )
        self.statuses: list[SyncStatus] = []
        self.engine.listeners.append(self.statuses.append)


@pytest.fixture
def server() -> FakeSyncServer:
    return FakeSyncServer()


def test_a_round_pushes_a_submitted_ticket_and_brings_back_the_servers_record(
    store: LocalStore, server: FakeSyncServer
) -> None:
    ticket_id = submit_ticket(store)
    setup = Setup(store, server)

    status = setup.engine.sync_once()

    ticket = store.record(Entity.TICKET, ticket_id)
    assert ticket is not None and not ticket.pending and ticket.version == 1
    assert ticket.data["requested_by_name"] == "Ana Nurse"  # the server's record, not the local guess
    assert [e.state for e in store.outbox_entries()] == ["applied"]
    assert status.state is Connection.ONLINE and status.queued == 0 and status.last_synced_at is not None
    assert [s.state for s in setup.statuses][:1] == [Connection.SYNCING]


def test_changes_show_as_sent_while_the_request_is_out(store: LocalStore, server: FakeSyncServer) -> None:
    submit_ticket(store)
    seen: list[str] = []

    def look(request: httpx.Request) -> None:
        if request.url.path == "/sync/push":
            seen.extend(e.state for e in store.outbox_entries())
        return None

    server.interceptors.append(look)
    Setup(store, server).engine.sync_once()
    assert seen == ["sent"]


@pytest.mark.parametrize(
    ("status", "code"),
    [(422, "invalid_request"), (413, "payload_too_large")],
    ids=["older server", "body limit"],
)
def test_a_batch_too_big_for_the_server_is_sent_again_in_smaller_ones(
    store: LocalStore, server: FakeSyncServer, status: int, code: str
) -> None:
    tickets = [submit_ticket(store) for _ in range(OLD_MAX_PUSH_BATCH + 5)]
    sizes: list[int] = []

    def small_server(request: httpx.Request) -> httpx.Response | None:
        if request.url.path != "/sync/push":
            return None
        sizes.append(len(PushRequest.model_validate_json(request.content).mutations))
        return error_answer(status, code, "Too many changes.") if sizes[-1] > OLD_MAX_PUSH_BATCH else None

    server.interceptors.append(small_server)
    status_after = Setup(store, server).engine.sync_once()

    assert sizes == [len(tickets), OLD_MAX_PUSH_BATCH, 5]  # refused once, then sent 100 at a time
    assert status_after.state is Connection.ONLINE and status_after.queued == 0
    assert {e.state for e in store.outbox_entries()} == {"applied"}
    assert sorted(server.applied_mutations) == list(range(1, len(tickets) + 1))


def test_the_cursor_stays_put_when_applying_a_pulled_page_fails_and_the_page_comes_again(
    tmp_path: Path, store: LocalStore, server: FakeSyncServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    patients = [uuid.uuid4() for _ in range(5)]
    for number, patient_id in enumerate(patients):
        server.put(Entity.PATIENT, patient_id, {"name": f"Patient {number}"}, version=1)
    original = LocalStore._upsert_plain

    def crash_after_writing(self: LocalStore, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        raise RuntimeError("killed while applying the pull")

    monkeypatch.setattr(LocalStore, "_upsert_plain", crash_after_writing)
    with pytest.raises(RuntimeError, match="killed"):
        Setup(store, server).engine.sync_once()
    store.close()
    monkeypatch.undo()

    reopened = LocalStore.open(store.path, server_url=SERVER, username="nurse.ana")
    try:
        assert reopened.sync_state().cursor is None
        assert reopened.records(Entity.PATIENT) == []
        Setup(reopened, server).engine.sync_once()
        assert sorted(r.id for r in reopened.records(Entity.PATIENT)) == sorted(patients)
        assert reopened.sync_state().cursor == "5"
    finally:
        reopened.close()


def test_a_long_initial_sync_keeps_the_pages_it_finished_when_the_link_drops(
    store: LocalStore, server: FakeSyncServer
) -> None:
    for _ in range(12):
        server.put(Entity.PATIENT, uuid.uuid4(), {"name": "x"}, version=1)
    pulls = 0

    def drop_the_third_page(request: httpx.Request) -> None:
        nonlocal pulls
        if request.url.path == "/sync/pull":
            pulls += 1
            if pulls == 3:
                raise httpx.ConnectError("cable pulled", request=request)
        return None

    server.interceptors.append(drop_the_third_page)
    setup = Setup(store, server)
    setup.engine._page_size = 5
    assert setup.engine.sync_once().state is Connection.OFFLINE
    assert store.sync_state().cursor == "10" and len(store.records(Entity.PATIENT)) == 10
    assert setup.engine.sync_once().state is Connection.ONLINE
    assert len(store.records(Entity.PATIENT)) == 12


def test_a_server_change_is_rebased_under_a_pending_local_edit(
    store: LocalStore, server: FakeSyncServer
) -> None:
    ticket_id = uuid.uuid4()
    server.put_ticket(ticket_id, ward_id=str(WARD), status="submitted", priority="routine", notes="first")
    setup = Setup(store, server)
    setup.engine.sync_once()
    queue_ticket_action(
        store,
        ticket_id=ticket_id,
        action=TicketAction.EDIT,
        role=Role.NURSE,
        payload={"notes": "mine: bed 14 not 12"},
    )
    server.put_ticket(ticket_id, priority="stat")  # someone else's change, version 2

    setup.engine.pull()

    ticket = store.record(Entity.TICKET, ticket_id)
    assert ticket is not None and ticket.pending and ticket.version == 2
    assert ticket.data["priority"] == "stat"  # the server's change is in
    assert ticket.data["notes"] == "mine: bed 14 not 12"  # and my pending edit is still on top
    assert [t.id for t in store.tickets(statuses=["submitted"])] == [ticket_id]


def test_a_conflict_is_kept_for_the_user_who_can_keep_their_change(
    store: LocalStore, server: FakeSyncServer
) -> None:
    ticket_id = uuid.uuid4()
    server.put_ticket(ticket_id, ward_id=str(WARD), status="submitted", priority="routine", notes="first")
    setup = Setup(store, server)
    setup.engine.sync_once()
    queue_ticket_action(
        store, ticket_id=ticket_id, action=TicketAction.EDIT, role=Role.NURSE, payload={"notes": "mine"}
    )
    server.put_ticket(ticket_id, notes="theirs")

    setup.engine.push()  # without a pull first: the server sees a stale base version

    (conflict,) = store.conflicts()
    assert conflict.code == "version_conflict" and conflict.payload["notes"] == "mine"
    assert conflict.server_record is not None and conflict.server_record["notes"] == "theirs"
    shown = store.record(Entity.TICKET, ticket_id)
    assert shown is not None and shown.data["notes"] == "theirs" and not shown.pending
    assert setup.engine.status.conflicts == 1

    again = store.keep_mine(conflict.mutation_id)
    assert again.base_version == 2 and again.state == "queued"
    setup.engine.sync_once()
    assert store.record(Entity.TICKET, ticket_id).data["notes"] == "mine"  # type: ignore[union-attr]
    assert store.conflicts() == []


def test_taking_theirs_drops_my_conflicting_change(store: LocalStore, server: FakeSyncServer) -> None:
    ticket_id = uuid.uuid4()
    server.put_ticket(ticket_id, ward_id=str(WARD), status="submitted", notes="first")
    setup = Setup(store, server)
    setup.engine.sync_once()
    queue_ticket_action(
        store, ticket_id=ticket_id, action=TicketAction.EDIT, role=Role.NURSE, payload={"notes": "mine"}
    )
    server.put_ticket(ticket_id, notes="theirs")
    setup.engine.push()
    store.take_theirs(store.conflicts()[0].mutation_id)
    setup.engine.sync_once()
    assert store.outbox_entries(states=["conflict", "queued", "sent"]) == []
    assert store.record(Entity.TICKET, ticket_id).data["notes"] == "theirs"  # type: ignore[union-attr]


def test_a_rejected_change_is_rolled_back_and_its_reason_kept(
    store: LocalStore, server: FakeSyncServer
) -> None:
    ticket_id = uuid.uuid4()
    server.put_ticket(ticket_id, ward_id=str(WARD), status="submitted")
    setup = Setup(store, server)
    setup.engine.sync_once()
    queue_ticket_action(
        store,
        ticket_id=ticket_id,
        action=TicketAction.CANCEL,
        role=Role.NURSE,
        payload={"reason": "patient discharged"},
    )
    assert store.record(Entity.TICKET, ticket_id).data["status"] == "cancelled"  # type: ignore[union-attr]
    server.put_ticket(ticket_id, status="approved")  # the pharmacy acted meanwhile

    status = setup.engine.sync_once()

    assert store.record(Entity.TICKET, ticket_id).data["status"] == "approved"  # type: ignore[union-attr]
    (rejected,) = store.outbox_entries(states=["rejected"])
    assert (
        rejected.code == "invalid_transition" and rejected.reason == "The pharmacy has already acted on it."
    )
    assert status.rejected == 1 and status.queued == 0
    store.dismiss_rejection(rejected.mutation_id)
    assert store.counts().rejected == 0


def test_a_lost_push_answer_is_retried_and_the_change_applied_once(
    store: LocalStore, server: FakeSyncServer
) -> None:
    ticket_id = submit_ticket(store)
    server.drop_push_answers = 1
    setup = Setup(store, server)

    assert setup.engine.sync_once().state is Connection.ONLINE

    assert server.applied_mutations == [1]
    assert len(setup.sleeps) == 1  # one backoff before resending
    assert store.record(Entity.TICKET, ticket_id).version == 1  # type: ignore[union-attr]
    assert [e.state for e in store.outbox_entries()] == ["applied"]


def test_a_busy_server_is_retried_after_the_time_it_asks_for(
    store: LocalStore, server: FakeSyncServer
) -> None:
    submit_ticket(store)
    busy = [
        error_answer(503, "service_unavailable", "busy", {"Retry-After": "7"}),
        error_answer(429, "rate_limited", "slow down", {"Retry-After": "3"}),
    ]
    server.interceptors.append(lambda request: busy.pop(0) if busy else None)
    setup = Setup(store, server)

    assert setup.engine.sync_once().state is Connection.ONLINE

    assert setup.sleeps[0] >= 7 and setup.sleeps[1] >= 3
    assert server.applied_mutations == [1]


def test_a_server_that_stays_down_is_reported_with_its_retry_after(
    store: LocalStore, server: FakeSyncServer
) -> None:
    server.interceptors.append(
        lambda request: error_answer(503, "service_unavailable", "down", {"Retry-After": "9"})
    )
    setup = Setup(store, server)
    status = setup.engine.sync_once()
    assert status.state is Connection.SERVER_UNAVAILABLE
    assert len(setup.sleeps) == 3 and all(s >= 9 for s in setup.sleeps)


def test_backoff_grows_exponentially_with_jitter_and_a_cap() -> None:
    backoff = Backoff(base=1.0, cap=30.0)
    delays = [backoff.delay(n) for n in range(1, 9)]
    assert 0.5 <= delays[0] <= 1.0 and 4.0 <= delays[3] <= 8.0
    assert all(15.0 <= d <= 30.0 for d in delays[5:])
    assert len({backoff.delay(4) for _ in range(20)}) > 1  # jittered
    assert backoff.delay(1, retry_after=12) == 12


def test_an_expired_token_is_refreshed_once_and_the_request_retried(
    store: LocalStore, server: FakeSyncServer
) -> None:
    submit_ticket(store)
    server.valid_tokens = {"token-2"}  # token-1 has expired
    setup = Setup(store, server)

    assert setup.engine.sync_once().state is Connection.ONLINE

    assert setup.tokens.refreshes == 1
    assert server.requests[-1].headers["Authorization"] == "Bearer token-2"


def test_a_session_that_cannot_be_refreshed_asks_for_sign_in(
    store: LocalStore, server: FakeSyncServer
) -> None:
    submit_ticket(store)
    server.interceptors.append(lambda request: error_answer(401, "not_authenticated", "who are you"))
    setup = Setup(store, server)
    status = setup.engine.sync_once()
    assert status.state is Connection.SIGN_IN_REQUIRED and status.queued == 1
    assert setup.tokens.refreshes == 1


def test_update_required_stops_syncing_and_says_so(store: LocalStore, server: FakeSyncServer) -> None:
    submit_ticket(store)
    server.interceptors.append(
        lambda request: error_answer(
            426, "update_required", "This WardDesk desktop is too old for this server."
        )
    )
    setup = Setup(store, server)

    setup.engine.run_forever(threading.Event())  # returns by itself: nothing more to try

    assert setup.engine.status.state is Connection.UPDATE_REQUIRED
    assert setup.engine.status.message == "This WardDesk desktop is too old for this server."
    assert setup.engine.status.queued == 1 and server.applied_mutations == []


def test_offline_is_detected_and_work_keeps_queueing(store: LocalStore) -> None:
    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    setup = Setup(store, FakeSyncServer(), transport=httpx.MockTransport(unreachable))
    submit_ticket(store)
    status = setup.engine.sync_once()
    assert status.state is Connection.OFFLINE and status.queued == 1
    submit_ticket(store, medication="PARA500")  # the engine hears of it from the store: no wake()
    assert setup.engine.status.queued == 2
    assert [e.state for e in store.outbox_entries()] == ["queued", "queued"]


def test_run_forever_backs_off_while_offline_and_syncs_when_the_server_returns(
    store: LocalStore, server: FakeSyncServer
) -> None:
    attempts = 0

    def offline_at_first(request: httpx.Request) -> None:
        nonlocal attempts
        attempts += 1
        if attempts <= 3:
            raise httpx.ConnectError("no network", request=request)
        return None

    server.interceptors.append(offline_at_first)
    ticket_id = submit_ticket(store)
    setup = Setup(store, server)
    stop = threading.Event()
    online = threading.Event()
    setup.engine.listeners.append(lambda s: online.set() if s.state is Connection.ONLINE else None)
    runner = threading.Thread(target=setup.engine.run_forever, args=(stop,))
    runner.start()
    try:
        assert online.wait(10)
        second = submit_ticket(store, medication="PARA500")  # pushed during the long poll, unprompted
        for _ in range(100):
            if server.applied_mutations == [1, 2]:
                break
            threading.Event().wait(0.05)
    finally:
        stop.set()
        runner.join(10)
    assert not runner.is_alive()
    assert Connection.OFFLINE in [s.state for s in setup.statuses]
    assert server.applied_mutations == [1, 2]
    assert {ticket_id, second} <= set(server.records)


def test_a_full_disk_is_reported_and_syncing_resumes_when_space_is_back(
    store: LocalStore, server: FakeSyncServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.put(Entity.PATIENT, uuid.uuid4(), {"name": "Maria"}, version=1)
    original = LocalStore.apply_pull
    full = [StorageUnavailable("The disk is full, so WardDesk cannot save your work.", kind="full")]

    def apply_unless_full(self: LocalStore, response: object, **options: object) -> None:
        if full:
            raise full.pop()
        original(self, response, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(LocalStore, "apply_pull", apply_unless_full)
    setup = Setup(store, server)
    stop = threading.Event()
    setup.engine.listeners.append(lambda s: stop.set() if s.state is Connection.ONLINE else None)
    runner = threading.Thread(target=setup.engine.run_forever, args=(stop,))
    runner.start()
    runner.join(10)
    assert not runner.is_alive()
    states = [s.state for s in setup.statuses]
    assert Connection.STORAGE_UNAVAILABLE in states and states[-1] is Connection.ONLINE
    assert any(s.message and "disk is full" in s.message for s in setup.statuses)
    assert len(store.records(Entity.PATIENT)) == 1
