"""Offline sync converges under faults: a stateful property test over real desktops and the real server.

Two nurses (one on ward A, one on wards A and B) and a pharmacist each have a real desktop cache
(LocalStore in a temp dir) and sync engine. Hypothesis makes them draft, submit, edit, cancel, approve,
reject, prepare, dispatch, receive and close refill tickets while they sync through a network that loses
requests and answers, duplicates requests (also two copies at once), delays them and answers 503;
the server restarts (also while an answer is on its way) and a desktop is killed in the middle of
applying a pulled page or a push answer and reopened from its file.

After every step: no ticket on the server broke its state machine, no queued change vanished from its
desktop's outbox, a nurse's cache holds only her wards' tickets, and no cached record went back to an
older version. At the end, with the network healthy and every desktop synced until quiet: every cache
holds exactly the server's tickets and notifications for its scope, and every change a desktop queued
was answered exactly once (applied, rejected or conflict), with one history row and one outbox event
per applied change.

Knobs for long runs: WARDDESK_CONVERGENCE_EXAMPLES (default 15), WARDDESK_CONVERGENCE_STEPS (default 25).
"""

from __future__ import annotations

import functools
import os
import uuid
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import httpx
from argon2 import PasswordHasher
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from desktop.store import LocalStore
from desktop.store.local_store import CachedRecord
from desktop.store.mutations import queue_ticket_action, queue_ticket_submit
from desktop.sync import Connection, SessionTokens, SyncClient, SyncEngine
from desktop.sync.backoff import Backoff
from shared.protocol import Entity
from shared.roles import Role
from shared.tickets import TRANSITIONS, TicketAction, TicketStatus, allowed_actions
from sync_server.core.db import transaction
from tests.desktop.convergence.harness import Fault, FaultyTransport, LiveServer

EXAMPLES = int(os.environ.get("WARDDESK_CONVERGENCE_EXAMPLES", "15"))
STEPS = int(os.environ.get("WARDDESK_CONVERGENCE_STEPS", "25"))
PASSWORD = "convergence horse battery"
PAGE_SIZE = 4  # small pages: initial syncs and catch-ups span several pages, so kills land mid-sync
FINAL = frozenset({"applied", "rejected", "conflict"})
FORWARD = {  # the order statuses move in; rejected/cancelled/closed end a ticket
    TicketStatus.DRAFT: 0,
    TicketStatus.SUBMITTED: 1,
    TicketStatus.APPROVED: 2,
    TicketStatus.IN_PREPARATION: 3,
    TicketStatus.DISPATCHED: 4,
    TicketStatus.RECEIVED: 5,
    TicketStatus.CLOSED: 6,
    TicketStatus.REJECTED: 6,
    TicketStatus.CANCELLED: 6,
}
MEDICATIONS = [("AMOX500", "capsule"), ("PARA500", "tablet")]

# Mostly healthy traffic with every kind of fault sprinkled in (a restart costs a fraction of a second).
FAULTS = st.lists(st.sampled_from([Fault.NONE] * 5 + [f for f in Fault if f is not Fault.NONE]), max_size=8)

_PASSWORD_HASH: list[str] = []
EXERCISED: Counter[str] = Counter()  # what the run went through, printed at the end (pytest -s)


def event(what: str) -> None:
    EXERCISED[what] += 1


class ClientKilled(BaseException):
    """The desktop process dies here (BaseException: nothing in the app may catch it)."""


class Desk:
    """One person's workstation: cache file, session, faulty network, client and engine."""

    def __init__(
        self,
        *,
        name: str,
        role: Role,
        user_id: uuid.UUID,
        username: str,
        ward_ids: list[uuid.UUID],
        data_dir: Path,
        server: LiveServer,
    ) -> None:
        self.name, self.role, self.user_id, self.username = name, role, user_id, username
        self.ward_ids = ward_ids
        self.server = server
        self.store = LocalStore.open_for_user(server_url=server.url, username=username, data_dir=data_dir)
        self.path = self.store.path
        answer = httpx.post(
            f"{server.url}/auth/token",
            data={"grant_type": "password", "username": username, "password": PASSWORD},
        )
        assert answer.status_code == 200, answer.text
        self.tokens = SessionTokens(
            base_url=server.url,
            access_token=answer.json()["access_token"],
            refresh_token=answer.json()["refresh_token"],
        )
        self.network = FaultyTransport(restart=server.restart)
        self.client = SyncClient(
            server.url,
            tokens=self.tokens,
            transport=self.network,
            timeout=10,
            backoff=Backoff(base=0.002, cap=0.01),
        )
        self.engine = self._engine()
        self.ledger: dict[
            int, tuple[str, uuid.UUID]
        ] = {}  # every change queued here: number -> (name, record)
        self.decided: dict[int, str] = {}  # entries the person dismissed or resolved -> the server's answer
        self.seen_versions: dict[uuid.UUID, int] = {}

    def _engine(self) -> SyncEngine:
        return SyncEngine(self.store, self.client, page_size=PAGE_SIZE, backoff=Backoff(base=0.002, cap=0.01))

    def reopen(self) -> None:
        """The desktop starts again after a crash: the same cache file, a new store and engine."""
        self.store.close()
        self.store = LocalStore.open(self.path, server_url=self.server.url, username=self.username)
        self.engine = self._engine()

    def record(self, entry: Any) -> None:
        self.ledger[entry.mutation_id] = (entry.name.value, entry.entity_id)

    def tickets_allowing(self, action: TicketAction) -> list[CachedRecord]:
        return [
            t
            for t in self.store.tickets()
            if action in allowed_actions(status=TicketStatus(t.data["status"]), role=self.role)
        ]

    def close(self) -> None:
        self.client.close()
        self.tokens.close()
        self.network.close()
        self.store.close()


T = TypeVar("T")


def _step(method: Callable[..., T]) -> Callable[..., T]:
    """Remember that a step blew up, so teardown only cleans up instead of checking convergence."""

    @functools.wraps(method)
    def run(self: ConvergenceMachine, *args: Any, **kwargs: Any) -> T:
        self.broken = True
        self.steps += 1
        event(f"step {method.__name__}")
        result = method(self, *args, **kwargs)
        self.broken = False
        return result

    return run


def _pick(items: list[T], index: int) -> T | None:
    return items[index % len(items)] if items else None


class ConvergenceMachine(RuleBasedStateMachine):
    # Set by the test function before the run (fixtures cannot reach a state machine otherwise).
    server: LiveServer
    factory: sessionmaker[Session]
    tmp_root: Path

    def __init__(self) -> None:
        super().__init__()
        self.broken = False
        self.steps = 0
        self.born: dict[uuid.UUID, int] = {}  # this example's tickets, in the order they were raised
        self.last_disaster = -10
        self.restarts_before = self.server.restarts
        self.example = uuid.uuid4().hex[:8]
        data_dir = self.tmp_root / self.example
        ward_a, ward_b = uuid.uuid4(), uuid.uuid4()
        self.ward_ids = [ward_a, ward_b]
        people = {
            "nurse_a": (Role.NURSE, [ward_a]),
            "nurse_ab": (Role.NURSE, [ward_a, ward_b]),
            "pharmacist": (Role.PHARMACIST, []),
        }
        ids = {name: uuid.uuid4() for name in people}
        with transaction(self.factory) as session:
            for n, ward in enumerate(self.ward_ids):
                session.execute(
                    text("INSERT INTO wards (id, code, name, active) VALUES (:id, :code, :name, true)"),
                    {"id": ward, "code": f"C{self.example[:6]}{n}", "name": f"Ward {n} of {self.example}"},
                )
            for name, (role, wards) in people.items():
                session.execute(
                    text(
                        "INSERT INTO users (id, username, full_name, role, password_hash, active)"
                        " VALUES (:id, :username, :full_name, :role, :hash, true)"
                    ),
                    {
                        "id": ids[name],
                        "username": f"{name}-{self.example}",
                        "full_name": name.title(),
                        "role": role.value,
                        "hash": _PASSWORD_HASH[0],
                    },
                )
                for ward in wards:
                    session.execute(
                        text("INSERT INTO user_wards (user_id, ward_id) VALUES (:u, :w)"),
                        {"u": ids[name], "w": ward},
                    )
        self.desks = {
            name: Desk(
                name=name,
                role=role,
                user_id=ids[name],
                username=f"{name}-{self.example}",
                ward_ids=wards,
                data_dir=data_dir,
                server=self.server,
            )
            for name, (role, wards) in people.items()
        }
        self.nurses = [self.desks["nurse_a"], self.desks["nurse_ab"]]
        self.pharmacist = self.desks["pharmacist"]

    # ---- what people do on their workstations (queued offline, pushed when they sync) ----

    @initialize(
        counts=st.tuples(st.integers(0, 3), st.integers(0, 3)),
        quantities=st.lists(st.integers(1, 60), min_size=1, max_size=2),
        synced=st.booleans(),
    )
    def the_shift_starts(self, counts: tuple[int, int], quantities: list[int], synced: bool) -> None:
        """Both nurses raise a few tickets at the start of the shift; maybe everyone has synced since."""
        for nurse, count in zip(("nurse_a", "nurse_ab"), counts, strict=True):
            for n in range(count):
                self._submit(
                    self.desks[nurse],
                    ward=n,
                    quantities=quantities,
                    priority="routine",
                    needed_in_hours=None,
                    off_formulary=False,
                )
        if synced:
            self.everyone_syncs()

    @rule(
        nurse=st.sampled_from(["nurse_a", "nurse_ab"]),
        ward=st.integers(0, 1),
        quantities=st.lists(st.integers(1, 60), min_size=1, max_size=2),
        priority=st.sampled_from(["routine", "urgent", "stat"]),
        needed_in_hours=st.none() | st.integers(1, 72),
        off_formulary=st.sampled_from([False] * 5 + [True]),
    )
    @_step
    def nurse_drafts_and_submits(
        self,
        nurse: str,
        ward: int,
        quantities: list[int],
        priority: str,
        needed_in_hours: int | None,
        off_formulary: bool,
    ) -> None:
        self._submit(
            self.desks[nurse],
            ward=ward,
            quantities=quantities,
            priority=priority,
            needed_in_hours=needed_in_hours,
            off_formulary=off_formulary,
        )

    def _submit(
        self,
        desk: Desk,
        *,
        ward: int,
        quantities: list[int],
        priority: str,
        needed_in_hours: int | None,
        off_formulary: bool,
    ) -> None:
        ward_id = desk.ward_ids[ward % len(desk.ward_ids)]
        lines = [
            {"line_id": str(uuid.uuid4()), "medication_code": code, "quantity": quantity, "unit": unit}
            for (code, unit), quantity in zip(MEDICATIONS, quantities, strict=False)
        ]
        if off_formulary:  # not stocked: the server refuses the whole ticket
            lines[0]["medication_code"] = "NOTSTOCKED1"
        needed_by = None
        if needed_in_hours is not None:
            needed_by = (datetime.now(UTC) + timedelta(hours=needed_in_hours)).isoformat()
        draft = desk.store.save_draft(
            ward_id=ward_id,
            data={"priority": priority, "notes": "bed 4", "needed_by": needed_by, "lines": lines},
        )
        entry = queue_ticket_submit(desk.store, draft_id=draft)
        self.born[entry.entity_id] = len(self.born)
        desk.record(entry)

    @rule(
        nurse=st.sampled_from(["nurse_a", "nurse_ab"]), pick=st.integers(0, 99), quantity=st.integers(1, 60)
    )
    @_step
    def nurse_edits(self, nurse: str, pick: int, quantity: int) -> None:
        desk = self.desks[nurse]
        ticket = _pick(self._eligible(desk, TicketAction.EDIT), pick)
        if ticket is None:
            return
        lines = [
            {
                "line_id": line["line_id"],
                "medication_code": line["medication_code"],
                "quantity": quantity if n == 0 else line["quantity"],
                "unit": line["unit"],
            }
            for n, line in enumerate(ticket.data["lines"])
        ]
        desk.record(
            queue_ticket_action(
                desk.store,
                ticket_id=ticket.id,
                action=TicketAction.EDIT,
                role=desk.role,
                payload={"notes": f"now {quantity}", "lines": lines},
            )
        )

    @rule(nurse=st.sampled_from(["nurse_a", "nurse_ab"]), pick=st.integers(0, 99))
    @_step
    def nurse_cancels(self, nurse: str, pick: int) -> None:
        desk = self.desks[nurse]
        ticket = _pick(self._eligible(desk, TicketAction.CANCEL), pick)
        if ticket is not None:
            desk.record(
                queue_ticket_action(
                    desk.store,
                    ticket_id=ticket.id,
                    action=TicketAction.CANCEL,
                    role=desk.role,
                    payload={"reason": "no longer needed"},
                )
            )

    @rule(pick=st.integers(0, 99), short=st.booleans())
    @_step
    def pharmacist_approves(self, pick: int, short: bool) -> None:
        desk = self.pharmacist
        ticket = _pick(self._eligible(desk, TicketAction.APPROVE), pick)
        if ticket is None:
            return
        lines = []
        for line in ticket.data["lines"]:
            approved = max(1, line["quantity"] // 2) if short else line["quantity"]
            reason = "short stock" if approved < line["quantity"] else ""
            lines.append({"line_id": line["line_id"], "approved_quantity": approved, "reason": reason})
        desk.record(
            queue_ticket_action(
                desk.store,
                ticket_id=ticket.id,
                action=TicketAction.APPROVE,
                role=desk.role,
                payload={"lines": lines},
            )
        )

    @rule(pick=st.integers(0, 99))
    @_step
    def pharmacist_rejects(self, pick: int) -> None:
        desk = self.pharmacist
        ticket = _pick(self._eligible(desk, TicketAction.REJECT), pick)
        if ticket is not None:
            desk.record(
                queue_ticket_action(
                    desk.store,
                    ticket_id=ticket.id,
                    action=TicketAction.REJECT,
                    role=desk.role,
                    payload={"reason": "not on this ward's protocol"},
                )
            )

    @rule(pick=st.integers(0, 99))
    @_step
    def pharmacist_starts_preparation(self, pick: int) -> None:
        desk = self.pharmacist
        ticket = _pick(self._eligible(desk, TicketAction.START_PREPARATION), pick)
        if ticket is not None:
            desk.record(
                queue_ticket_action(
                    desk.store,
                    ticket_id=ticket.id,
                    action=TicketAction.START_PREPARATION,
                    role=desk.role,
                    payload={},
                )
            )

    @rule(pick=st.integers(0, 99), keep_open=st.booleans())
    @_step
    def pharmacist_dispatches(self, pick: int, keep_open: bool) -> None:
        desk = self.pharmacist
        ticket = _pick(self._eligible(desk, TicketAction.DISPATCH), pick)
        if ticket is None:
            return
        lines = []
        for line in ticket.data["lines"]:
            left = (line.get("approved_quantity") or 0) - (line.get("dispatched_quantity") or 0)
            lines.append(
                {"line_id": line["line_id"], "dispatched_quantity": max(0, left // 2 if keep_open else left)}
            )
        desk.record(
            queue_ticket_action(
                desk.store,
                ticket_id=ticket.id,
                action=TicketAction.DISPATCH,
                role=desk.role,
                payload={"lines": lines, "remainder": "keep_open" if keep_open else "cancel"},
            )
        )

    @rule(nurse=st.sampled_from(["nurse_a", "nurse_ab"]), pick=st.integers(0, 99), short=st.booleans())
    @_step
    def nurse_receives(self, nurse: str, pick: int, short: bool) -> None:
        desk = self.desks[nurse]
        ticket = _pick(self._eligible(desk, TicketAction.RECEIVE), pick)
        if ticket is None:
            return
        lines = []
        for n, line in enumerate(ticket.data["lines"]):
            sent = line.get("dispatched_quantity") or 0
            lines.append(
                {
                    "line_id": line["line_id"],
                    "received_quantity": max(0, sent - 1) if short and n == 0 else sent,
                }
            )
        desk.record(
            queue_ticket_action(
                desk.store,
                ticket_id=ticket.id,
                action=TicketAction.RECEIVE,
                role=desk.role,
                payload={"lines": lines},
            )
        )

    @rule(who=st.sampled_from(["nurse_a", "nurse_ab", "pharmacist"]), pick=st.integers(0, 99))
    @_step
    def someone_closes(self, who: str, pick: int) -> None:
        desk = self.desks[who]
        ticket = _pick(self._eligible(desk, TicketAction.CLOSE), pick)
        if ticket is not None:
            desk.record(
                queue_ticket_action(
                    desk.store,
                    ticket_id=ticket.id,
                    action=TicketAction.CLOSE,
                    role=desk.role,
                    payload={"note": "ok"},
                )
            )

    @rule(
        who=st.sampled_from(["nurse_a", "nurse_ab", "pharmacist"]),
        pick=st.integers(0, 99),
        mine=st.booleans(),
    )
    @_step
    def person_settles_a_conflict(self, who: str, pick: int, mine: bool) -> None:
        desk = self.desks[who]
        entry = _pick(desk.store.conflicts(), pick)
        if entry is None:
            return
        desk.decided[entry.mutation_id] = "conflict"
        if mine:
            desk.record(desk.store.keep_mine(entry.mutation_id))
        else:
            desk.store.take_theirs(entry.mutation_id)

    @rule(who=st.sampled_from(["nurse_a", "nurse_ab", "pharmacist"]), pick=st.integers(0, 99))
    @_step
    def person_dismisses_a_rejection(self, who: str, pick: int) -> None:
        desk = self.desks[who]
        entry = _pick(desk.store.outbox_entries(states=["rejected"]), pick)
        if entry is not None:
            desk.decided[entry.mutation_id] = "rejected"
            desk.store.dismiss_rejection(entry.mutation_id)

    # ---- the network, the server and crashes ----

    @rule(who=st.sampled_from(["nurse_a", "nurse_ab", "pharmacist"]), faults=FAULTS)
    @_step
    def desk_syncs_through_a_bad_network(self, who: str, faults: list[Fault]) -> None:
        desk = self.desks[who]
        desk.network.play(faults)
        try:
            status = desk.engine.sync_once()  # whatever the network did, the outcome is in the status
        finally:
            desk.network.calm()
        event(f"a sync through faults ended {status.state.value}")

    @rule(who=st.sampled_from(["nurse_a", "nurse_ab", "pharmacist"]))
    @_step
    def desk_syncs(self, who: str) -> None:
        status = self.desks[who].engine.sync_once()
        assert status.state is Connection.ONLINE, (
            f"{who} could not sync on a healthy network: {status.message}"
        )

    @rule()
    @_step
    def everyone_syncs(self) -> None:
        for desk in self.desks.values():
            status = desk.engine.sync_once()
            assert status.state is Connection.ONLINE, f"{desk.name} could not sync: {status.message}"

    @precondition(lambda self: self.steps - self.last_disaster >= 4)  # swarm testing loves argless rules
    @rule()
    @_step
    def server_restarts(self) -> None:
        self.last_disaster = self.steps
        self.server.restart()

    @rule(
        who=st.sampled_from(["nurse_a", "nurse_ab", "pharmacist"]),
        after_pages=st.integers(0, 3),
        half_written=st.booleans(),
    )
    @_step
    def desk_dies_while_applying_a_pull(self, who: str, after_pages: int, half_written: bool) -> None:
        desk = self.desks[who]
        original = desk.store._apply_changes
        applied = [0]

        def dying(conn: Any, changes: Any) -> None:
            if applied[0] >= after_pages:
                if half_written:
                    original(conn, changes)  # rows written, the transaction never commits
                raise ClientKilled
            applied[0] += 1
            original(conn, changes)

        desk.store._apply_changes = dying  # type: ignore[method-assign]
        try:
            desk.engine.sync_once()
        except ClientKilled:
            event("a desktop died mid-sync")
        desk.reopen()

    @rule(who=st.sampled_from(["nurse_a", "nurse_ab", "pharmacist"]))
    @_step
    def desk_dies_before_recording_a_push_answer(self, who: str) -> None:
        desk = self.desks[who]

        def dying(response: Any) -> None:
            raise ClientKilled

        desk.store.apply_push_results = dying  # type: ignore[method-assign]
        try:
            desk.engine.sync_once()
        except ClientKilled:
            event("a desktop died mid-sync")
        desk.reopen()

    # ---- after every step ----

    @invariant()
    def no_ticket_broke_its_state_machine(self) -> None:
        if self.broken:
            return
        with self.factory() as session:
            rows = session.execute(
                text(
                    "SELECT h.ticket_id, h.action, h.from_status, h.to_status, h.version, h.actor_role"
                    " FROM ticket_history h JOIN refill_tickets t ON t.id = h.ticket_id"
                    " WHERE t.ward_id = ANY(:wards) ORDER BY h.ticket_id, h.id"
                ),
                {"wards": self.ward_ids},
            ).all()
            tickets = {
                row.id: (row.status, row.version)
                for row in session.execute(
                    text("SELECT id, status, version FROM refill_tickets WHERE ward_id = ANY(:wards)"),
                    {"wards": self.ward_ids},
                )
            }
        last: dict[uuid.UUID, tuple[str, int]] = {}
        for row in rows:
            action, before, after = (
                TicketAction(row.action),
                TicketStatus(row.from_status),
                TicketStatus(row.to_status),
            )
            rule_ = TRANSITIONS[action]
            where = f"ticket {row.ticket_id} v{row.version}: {action.value} {before.value}->{after.value}"
            previous = last.get(row.ticket_id, (TicketStatus.DRAFT.value, 0))
            assert before.value == previous[0], f"{where} does not start where the ticket was ({previous[0]})"
            assert row.version == previous[1] + 1, f"{where} skipped or repeated a version"
            assert before in rule_.sources and Role(row.actor_role) in rule_.roles, f"{where} is not allowed"
            expected = rule_.target or before
            partial = action is TicketAction.DISPATCH and after is TicketStatus.IN_PREPARATION
            assert after is expected or partial, f"{where} ended in the wrong status"
            assert FORWARD[after] >= FORWARD[before], f"{where} went backwards"
            last[row.ticket_id] = (after.value, row.version)
        assert {t: (s, v) for t, (s, v) in tickets.items()} == last, (
            "a ticket's row disagrees with its history"
        )

    @invariant()
    def no_queued_change_vanished(self) -> None:
        if self.broken:
            return
        for desk in self.desks.values():
            states = {e.mutation_id: e.state for e in desk.store.outbox_entries()}
            for number in desk.ledger:
                if number in desk.decided:
                    assert number not in states, (
                        f"{desk.name}: #{number} was settled by its author yet remains"
                    )
                else:
                    assert number in states, f"{desk.name}: queued change #{number} is gone from the outbox"

    @invariant()
    def caches_stay_in_scope_and_never_go_back(self) -> None:
        if self.broken:
            return
        for desk in self.desks.values():
            for ticket in desk.store.tickets():
                if desk.role is Role.NURSE:
                    assert uuid.UUID(ticket.data["ward_id"]) in desk.ward_ids, (
                        f"{desk.name} sees another ward"
                    )
                if ticket.version is not None:
                    before = desk.seen_versions.get(ticket.id, 0)
                    assert ticket.version >= before, (
                        f"{desk.name}: ticket {ticket.id} went back from v{before} to v{ticket.version}"
                    )
                    desk.seen_versions[ticket.id] = ticket.version

    # ---- the end: a healthy network, everyone synced, everything agrees ----

    def teardown(self) -> None:
        try:
            if not self.broken:
                self._settle()
                self._check_convergence()
        finally:
            for desk in self.desks.values():
                desk.close()

    def _eligible(self, desk: Desk, action: TicketAction) -> list[CachedRecord]:
        """This example's tickets the person could act on, oldest first (a stable order, so Hypothesis
        replays pick the same ticket; the pharmacist also caches earlier examples' tickets)."""
        tickets = [t for t in desk.tickets_allowing(action) if t.id in self.born]
        return sorted(tickets, key=lambda t: self.born[t.id])

    def _settle(self) -> None:
        for _ in range(10):
            for desk in self.desks.values():
                status = desk.engine.sync_once()
                assert status.state is Connection.ONLINE, f"{desk.name} could not sync: {status.message}"
            quiet = all(
                desk.engine.pull() == 0 and desk.store.counts().queued == 0 for desk in self.desks.values()
            )
            if quiet:
                return
        raise AssertionError("the desktops did not settle within 10 rounds")

    def _check_convergence(self) -> None:
        with self.factory() as session:
            server_tickets = {
                row.id: row
                for row in session.execute(text("SELECT id, ward_id, status, version FROM refill_tickets"))
            }
            server_lines: dict[uuid.UUID, dict[str, tuple[Any, ...]]] = {}
            for line in session.execute(
                text(
                    "SELECT ticket_id, line_id, quantity, approved_quantity, dispatched_quantity,"
                    " received_quantity FROM ticket_lines"
                )
            ):
                server_lines.setdefault(line.ticket_id, {})[str(line.line_id)] = tuple(line[2:])
            feed = {
                (row.scope, row.entity_id): row.data
                for row in session.execute(
                    text(
                        "SELECT scope, entity_id, data FROM sync_changes"
                        " WHERE entity = 'ticket' AND NOT deleted"
                    )
                )
            }
            results = {
                (row.client_id, row.mutation_id): row.result
                for row in session.execute(
                    text("SELECT client_id, mutation_id, result FROM sync_mutation_results")
                )
            }
            counters = dict(
                session.execute(text("SELECT client_id, last_mutation_id FROM sync_clients")).all()
            )
            history = Counter(
                (row.ticket_id, row.action)
                for row in session.execute(
                    text(
                        "SELECT h.ticket_id, h.action FROM ticket_history h"
                        " JOIN refill_tickets t ON t.id = h.ticket_id WHERE t.ward_id = ANY(:wards)"
                    ),
                    {"wards": self.ward_ids},
                )
            )
            events = Counter(
                uuid.UUID(row.aggregate_id)
                for row in session.execute(
                    text(
                        "SELECT aggregate_id FROM outbox"
                        " WHERE aggregate_type = 'ticket' AND event_type LIKE 'ticket.%'"
                    )
                )
            )
            notifications = {
                user_id: {
                    row.id: row.version
                    for row in session.execute(
                        text("SELECT id, version FROM notifications WHERE user_id = :u"), {"u": user_id}
                    )
                }
                for user_id in (desk.user_id for desk in self.desks.values())
            }

        applied: Counter[tuple[uuid.UUID, str]] = Counter()
        for desk in self.desks.values():
            # 1. The cache holds exactly the server's tickets in its scope, as the feed sent them.
            in_scope = {
                ticket_id: row
                for ticket_id, row in server_tickets.items()
                if desk.role is Role.PHARMACIST or row.ward_id in desk.ward_ids
            }
            cached = {t.id: t for t in desk.store.tickets()}
            assert set(cached) == set(in_scope), (
                f"{desk.name}: cache and server differ: only cached {set(cached) - set(in_scope)}, "
                f"only on the server {set(in_scope) - set(cached)}"
            )
            scope = "pharmacy" if desk.role is Role.PHARMACIST else None
            for ticket_id, row in in_scope.items():
                mine = cached[ticket_id]
                assert not mine.pending, f"{desk.name}: ticket {ticket_id} still shows unsent changes"
                assert (mine.version, mine.data["status"]) == (row.version, row.status), (
                    f"{desk.name}: ticket {ticket_id} is v{mine.version} {mine.data['status']}, "
                    f"the server's v{row.version} {row.status}"
                )
                quantities = {
                    line["line_id"]: (
                        line["quantity"],
                        line["approved_quantity"],
                        line["dispatched_quantity"],
                        line["received_quantity"],
                    )
                    for line in mine.data["lines"]
                }
                assert quantities == server_lines.get(ticket_id, {}), (
                    f"{desk.name}: ticket {ticket_id} lines differ"
                )
                sent = feed[(scope or f"ward:{row.ward_id}", ticket_id)]
                assert mine.data == sent, (
                    f"{desk.name}: ticket {ticket_id} differs from the record the server sent"
                )
            # 2. Notifications too.
            cached_notes = {n.id: n.version for n in desk.store.records(Entity.NOTIFICATION)}
            assert cached_notes == notifications[desk.user_id], f"{desk.name}: notifications differ"

            # 3. Every queued change was answered once, and the desktop knows the answer the server gave.
            client_id = desk.store.sync_state().client_id
            entries = {e.mutation_id: e for e in desk.store.outbox_entries()}
            assert all(e.state in FINAL for e in entries.values()), f"{desk.name}: unanswered changes remain"
            assert set(entries) | set(desk.decided) == set(desk.ledger), (
                f"{desk.name}: outbox and ledger differ"
            )
            answered = {number for (client, number) in results if client == client_id}
            assert answered == set(desk.ledger), (
                f"{desk.name}: server answered {sorted(answered)}, desktop queued {sorted(desk.ledger)}"
            )
            assert counters.get(client_id, 0) == max(desk.ledger, default=0)
            assert desk.store.sync_state().last_settled_mutation_id == max(desk.ledger, default=0)
            for number, (name, entity_id) in desk.ledger.items():
                status = results[(client_id, number)]["status"]
                expected = desk.decided.get(number) or entries[number].state
                assert status == expected, (
                    f"{desk.name}: #{number} {name} is {expected} here, {status} on the server"
                )
                if status == "applied":
                    applied[(entity_id, name.removeprefix("ticket."))] += 1

        for (client, _), result in results.items():
            if client in {d.store.sync_state().client_id for d in self.desks.values()}:
                event(f"some change ended {result['status']} ({result.get('code')})")
        if self.server.restarts > self.restarts_before:
            event("an example with server restarts")

        # 4. Applied exactly once: one history row and one event per applied change, nothing else.
        assert history == applied, (
            f"history and applied changes differ: {history - applied} / {applied - history}"
        )
        per_ticket: Counter[uuid.UUID] = Counter()
        for (ticket_id, _), count in history.items():
            per_ticket[ticket_id] += count
        assert {t: events[t] for t in per_ticket} == dict(per_ticket), "ticket events and history differ"


def test_offline_desktops_converge_with_the_server_under_faults(
    live_server: LiveServer,
    session_factory: sessionmaker[Session],
    formulary: None,
    tmp_path: Path,
) -> None:
    if not _PASSWORD_HASH:  # argon2 reads its cost from the hash: a cheap one keeps sign-in fast
        _PASSWORD_HASH.append(PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD))
    ConvergenceMachine.server = live_server
    ConvergenceMachine.factory = session_factory
    ConvergenceMachine.tmp_root = tmp_path
    EXERCISED.clear()
    run_state_machine_as_test(ConvergenceMachine, settings=settings_for_run())
    print("\nexercised:", *(f"  {count:4d} x {what}" for what, count in sorted(EXERCISED.items())), sep="\n")


def settings_for_run() -> settings:
    return settings(
        max_examples=EXAMPLES,
        stateful_step_count=STEPS,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        report_multiple_bugs=False,
    )
