"""A desktop from before documents (or before any newer kind) keeps syncing when the server sends records
of a kind it does not know: those are skipped, the rest of the page is applied, the cursor moves on."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from desktop.store import LocalStore
from desktop.sync import Backoff, Connection, SyncClient, SyncEngine
from desktop.sync.client import read_pull_response
from shared.protocol import Entity

SERVER = "https://sync.hospital.example"


class Tokens:
    def access_token(self) -> str:
        return "token"

    def refresh(self, rejected: str) -> str:
        return "token"


def _ward(ward_id: uuid.UUID) -> dict[str, Any]:
    return {"id": str(ward_id), "code": "W3", "name": "Ward 3", "floor": "3"}


def _page(changes: list[dict[str, Any]], *, cursor: str, has_more: bool) -> bytes:
    return json.dumps(
        {
            "changes": changes,
            "cursor": cursor,
            "has_more": has_more,
            "last_mutation_id": 0,
            "server_time": datetime(2031, 3, 5, 12, tzinfo=UTC).isoformat(),
        }
    ).encode()


def test_a_page_with_a_kind_this_desktop_does_not_know_reads_without_it() -> None:
    ward_id = uuid.uuid4()
    page = read_pull_response(
        _page(
            [
                {"entity": "lab_order", "id": str(uuid.uuid4()), "version": 1, "data": {"anything": 1}},
                {"entity": "ward", "id": str(ward_id), "version": 1, "data": _ward(ward_id)},
            ],
            cursor="2",
            has_more=False,
        )
    )
    assert [(c.entity, c.id) for c in page.changes] == [(Entity.WARD, str(ward_id))]


def test_a_pull_goes_on_past_records_of_an_unknown_kind(tmp_path: Path) -> None:
    first_ward, second_ward = uuid.uuid4(), uuid.uuid4()
    pages = {
        "": _page(
            [
                {"entity": "ward", "id": str(first_ward), "version": 1, "data": _ward(first_ward)},
                {"entity": "lab_order", "id": str(uuid.uuid4()), "version": 3, "data": {"x": 1}},
                {"entity": "lab_order", "id": str(uuid.uuid4()), "version": 1, "deleted": True},
            ],
            cursor="3",
            has_more=True,
        ),
        "3": _page(
            [{"entity": "ward", "id": str(second_ward), "version": 1, "data": _ward(second_ward)}],
            cursor="4",
            has_more=False,
        ),
    }
    asked: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/sync/pull":
            cursor = request.url.params.get("cursor", "")
            asked.append(cursor)
            return httpx.Response(200, content=pages.get(cursor, _page([], cursor=cursor, has_more=False)))
        return httpx.Response(200, json={"results": [], "last_mutation_id": 0})

    store = LocalStore.open_for_user(server_url=SERVER, username="nurse.ana", data_dir=tmp_path)
    try:
        client = SyncClient(SERVER, tokens=Tokens(), transport=httpx.MockTransport(answer))
        engine = SyncEngine(store, client, backoff=Backoff(base=0.01, cap=0.05))

        status = engine.sync_once()

        assert status.state is Connection.ONLINE, status.message
        assert store.record(Entity.WARD, first_ward) is not None
        assert store.record(Entity.WARD, second_ward) is not None
        assert asked[:2] == ["", "3"]
        assert store.sync_state().cursor == "4"
    finally:
        store.close()
