"""Ticket screen tests: offscreen Qt (warnings and leaked windows fail), real caches, real sync code."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QLocale  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from desktop.ops.background import Executors  # noqa: E402
from desktop.ops.session import DesktopContext, DesktopSession, SignedInUser, SyncRunner  # noqa: E402
from desktop.store import LocalStore  # noqa: E402
from desktop.sync import SessionTokens  # noqa: E402
from shared.protocol import Change, Entity, PullResponse  # noqa: E402
from shared.roles import Role  # noqa: E402
from tests.desktop.live_server import free_port  # noqa: E402

HERE = os.path.dirname(__file__)
WARD_A = uuid.UUID("00000000-0000-0000-0000-0000000000a3")
WARD_B = uuid.UUID("00000000-0000-0000-0000-0000000000b4")
NOW = datetime(2025, 3, 26, 10, 40, tzinfo=UTC)
FORMULARY = [
    {"code": "AMOX500", "name": "Amoxicillin", "form": "capsule", "strength": "500 mg", "unit": "capsule"},
    {"code": "PARA500", "name": "Paracetamol", "form": "tablet", "strength": "500 mg", "unit": "tablet"},
    {"code": "MORPH10", "name": "Morphine", "form": "injection", "strength": "10 mg/ml", "unit": "ampoule"},
    {
        "code": "OLDDRUG",
        "name": "Discontinued",
        "form": "tablet",
        "strength": "1 mg",
        "unit": "tablet",
        "active": False,
    },
]


@pytest.fixture
def english() -> QLocale:
    return QLocale(QLocale.Language.English, QLocale.Country.UnitedKingdom)


@pytest.fixture
def executors(qapp: QApplication) -> Iterator[Executors]:
    workers = Executors()
    yield workers
    workers.shutdown()


class Desk:
    """One person's desktop: their own cache, the shared workers, a sync runner and the signed-in user.

    `server_url` may be a closed port (offline). Nothing syncs by itself: tests call `sync()`.
    """

    def __init__(
        self,
        *,
        data_dir: Path,
        server_url: str,
        user: SignedInUser,
        executors: Executors,
        access_token: str = "",
        refresh_token: str = "",
    ) -> None:
        self.user = user
        self.store = LocalStore.open_for_user(
            server_url=server_url, username=user.username, data_dir=data_dir
        )
        self.tokens = SessionTokens(
            base_url=server_url, access_token=access_token, refresh_token=refresh_token
        )
        session = DesktopSession(
            server_url=server_url,
            user=user,
            store=self.store,
            tokens=self.tokens,
            offline=not access_token,
            token_in_keyring=False,
            keyring_available=False,
        )
        self.runner = SyncRunner(session, executors=executors)
        self.context = DesktopContext(
            store=self.store, executors=executors, sync=self.runner, user=user, server_url=server_url
        )

    def sync(self) -> Any:
        """One sync round (pull, push, pull) on this thread; its reports reach the screens."""
        return self.runner.engine.sync_once()

    def close(self) -> None:
        self.runner.client.close()
        self.tokens.close()
        self.store.close()


def person(
    role: Role, *, ward_ids: tuple[uuid.UUID, ...] = (WARD_A,), name: str | None = None
) -> SignedInUser:
    return SignedInUser(
        id=uuid.uuid4(),
        username=f"{role.value}-{uuid.uuid4().hex[:6]}",
        full_name=name or f"Test {role.value.title()}",
        role=role,
        ward_ids=ward_ids if role is Role.NURSE else (),
    )


@pytest.fixture
def desk(tmp_path: Path, executors: Executors) -> Iterator[Callable[..., Desk]]:
    """Opens desks for people; offline (a closed port) unless a server URL is given."""
    opened: list[Desk] = []

    def _open(user: SignedInUser, *, server_url: str | None = None, seed: bool = True, **tokens: str) -> Desk:
        url = server_url or f"http://127.0.0.1:{free_port()}"
        station = Desk(data_dir=tmp_path / "data", server_url=url, user=user, executors=executors, **tokens)
        opened.append(station)
        if seed:  # False: a cache before its first sync
            seed_reference(opened[-1].store)
        return opened[-1]

    yield _open
    for station in opened:
        station.close()


def pull(store: LocalStore, changes: list[Change]) -> None:
    """Records as if the server had sent them (one complete page)."""
    store.apply_pull(PullResponse(changes=changes, cursor=uuid.uuid4().hex, has_more=False, server_time=NOW))


def seed_reference(store: LocalStore) -> None:
    """Two wards and a small formulary in the cache, as the first sync brings them."""
    changes = [
        Change(entity=Entity.WARD, id=ward, version=1, data={"id": str(ward), "code": code, "name": name})
        for ward, code, name in ((WARD_A, "W3", "Internal Medicine"), (WARD_B, "W4", "Surgery"))
    ]
    for number, item in enumerate(FORMULARY, start=1):
        changes.append(
            Change(
                entity=Entity.MEDICATION, id=uuid.UUID(int=number), version=1, data={"active": True, **item}
            )
        )
    pull(store, changes)


def server_ticket(
    *,
    ward_id: uuid.UUID = WARD_A,
    status: str = "submitted",
    priority: str = "routine",
    needed_by: datetime | None = None,
    submitted_at: datetime = NOW,
    lines: list[dict[str, Any]] | None = None,
    version: int = 1,
    history: list[dict[str, Any]] | None = None,
    ticket_id: uuid.UUID | None = None,
    **extra: Any,
) -> Change:
    """A ticket record as the server's change feed carries it."""
    ticket_id = ticket_id or uuid.uuid4()
    lines = lines or [
        {"line_id": str(uuid.uuid4()), "medication_code": "AMOX500", "quantity": 20, "unit": "capsule"}
    ]
    full_lines = [
        {
            "approved_quantity": None,
            "approval_reason": None,
            "dispatched_quantity": 0,
            "received_quantity": None,
            "discrepancy_note": None,
            "remainder_cancelled": False,
            **line,
        }
        for line in lines
    ]
    data = {
        "id": str(ticket_id),
        "ward_id": str(ward_id),
        "requested_by": str(uuid.uuid4()),
        "requested_by_name": "Nurse Ana",
        "priority": priority,
        "needed_by": needed_by.isoformat() if needed_by else None,
        "notes": "",
        "status": status,
        "version": version,
        "has_discrepancy": False,
        "submitted_at": submitted_at.isoformat(),
        "rejection_reason": None,
        "cancel_reason": None,
        "lines": full_lines,
        "history": history
        or [
            {
                "at": submitted_at.isoformat(),
                "actor_id": None,
                "actor_name": "Nurse Ana",
                "actor_role": "nurse",
                "action": "submit",
                "from_status": "draft",
                "to_status": "submitted",
                "version": 1,
            }
        ],
        **extra,
    }
    return Change(entity=Entity.TICKET, id=ticket_id, version=version, data=data)


def soon(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def shown_status(screen: Any) -> str | None:
    """The status of the ticket the screen's detail shows (None: no ticket shown)."""
    detail = screen.detail.detail
    return None if detail is None else str(detail.status.value)
