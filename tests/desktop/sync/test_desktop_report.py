"""Every sync request says which WardDesk version and which PC it comes from and how many changes wait in
its queue: the REAL server keeps it on the desktop's sync client for the admin's sync-health view."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from desktop.ops.background import Executors
from desktop.ops.session import SignedInUser
from desktop.update.installation import current_installation
from shared.roles import Role
from sync_server.auth.models import User
from sync_server.core.db import transaction
from sync_server.directory.models import Ward
from tests.desktop.admin.test_admin_screen import tokens_of
from tests.desktop.sync.conftest import submit_ticket
from tests.desktop.sync.test_against_real_server import formulary  # noqa: F401 - the fixture
from tests.desktop.tickets.conftest import Desk


def reported(session_factory: sessionmaker[Session], user: User) -> dict[str, object]:
    with transaction(session_factory) as session:
        row = session.execute(
            text(
                "SELECT desktop_version, workstation, queued_changes, last_push_at, last_pull_at"
                " FROM sync_clients WHERE user_id = :id"
            ),
            {"id": user.id},
        ).one()
    return dict(row._mapping)


def test_a_sync_round_reports_this_desktops_version_pc_and_queue(
    tmp_path: Path,
    server_url: str,
    make_user: Callable[..., User],
    ward: Ward,
    session_factory: sessionmaker[Session],
    formulary: None,  # noqa: F811
    qapp: object,
) -> None:
    user = make_user(Role.NURSE, ward_ids=[ward.id])
    access, refresh = tokens_of(server_url, user)
    executors = Executors()
    desk = Desk(
        data_dir=tmp_path,
        server_url=server_url,
        user=SignedInUser(id=user.id, username=user.username, full_name=user.full_name, role=user.role),
        executors=executors,
        access_token=access,
        refresh_token=refresh,
    )
    try:
        submit_ticket(desk.store, ward_id=ward.id)
        desk.sync()

        row = reported(session_factory, user)
    finally:
        desk.close()
        executors.shutdown()

    host = "".join(c for c in socket.gethostname() if " " <= c <= "~").strip()
    assert row["desktop_version"] == str(current_installation().version)
    assert row["workstation"] == host[:100]
    assert row["queued_changes"] == 0  # after the round the queue is empty
    assert row["last_push_at"] is not None and row["last_pull_at"] is not None
