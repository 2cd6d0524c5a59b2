"""Cursors signed with the server's secret but not written by it: refused (422) or started again, never 500.

The development secret is public, so anyone can sign a cursor; what it says must be checked as if it
came from a stranger.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import math
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from shared.roles import Role
from sync_server.core.db import transaction
from sync_server.sync import pull as pulling
from tests.conftest import TEST_SECRET
from tests.sync_server.sync.conftest import Desktop


def sign(body: bytes) -> str:
    """A token carrying `body`, signed as the server signs its cursors."""
    mac = hmac.new(TEST_SECRET.encode(), body, hashlib.sha256).digest()[:16]
    return ".".join(base64.urlsafe_b64encode(part).rstrip(b"=").decode() for part in (body, mac))


def forged(fields: dict[str, Any]) -> str:
    return sign(json.dumps(fields).encode())  # json.dumps writes NaN and Infinity as JavaScript does


def fields_of(token: str) -> dict[str, Any]:
    body = token.split(".")[0]
    fields: dict[str, Any] = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    return fields


@pytest.fixture
def nurse(sign_in, desktop) -> Desktop:  # type: ignore[no-untyped-def]
    nurse: Desktop = desktop(sign_in(Role.NURSE))
    nurse.pull_all()
    return nurse


def pull_with(nurse: Desktop, cursor: str) -> Any:
    return nurse.client.get(
        "/sync/pull", params={"cursor": cursor, "client_id": str(nurse.client_id)}, headers=nurse.headers
    )


def next_xid(session_factory) -> int:  # type: ignore[no-untyped-def]
    with transaction(session_factory) as session:
        return int(session.execute(text("SELECT pg_snapshot_xmax(pg_current_snapshot())::text")).scalar_one())


FORGERIES: dict[str, dict[str, Any]] = {
    "a snapshot that is not one": {"b": "banana"},
    "an empty snapshot": {"b": ""},
    "a snapshot with xmin above xmax": {"b": "20:10:"},
    "a snapshot with xid 0": {"b": "0:0:"},
    "a running id outside the snapshot": {"b": "10:20:25"},
    "running ids out of order": {"b": "10:20:15,12"},
    "a running id listed twice": {"b": "10:20:12,12"},
    "a snapshot with other digits": {"b": "\u0661\u0660:\u0662\u0660:"},
    "a snapshot beyond xid8": {"b": "1:99999999999999999999:"},
    "a snapshot with spaces": {"b": " 10:20:"},
    "a snapshot as a number": {"b": 12},
    "no snapshot": {"b": None},
    "a negative position": {"a": -1},
    "a fractional position": {"a": 1.5},
    "a position written as text": {"a": "3"},
    "a position as a boolean": {"a": True},
    "a position beyond bigint": {"a": 2**64},
    "a time that is not a number": {"bt": math.nan},
    "an infinite time": {"bt": math.inf},
    "a negative time": {"bt": -1.0},
    "a time written as text": {"bt": "1700000000"},
    "a time beyond any float": {"bt": 10**400},
    "an unknown phase": {"p": "x"},
    "a phase that is a list": {"p": ["s"]},
    "a version that is a boolean": {"v": True},
    "a version from elsewhere": {"v": 2},
    "a scope fingerprint that is not one": {"s": "not-a-fingerprint"},
    "a scope fingerprint that is a number": {"s": 1234567890123456},
    "a negative total": {"n": -5},
    "a total written as text": {"n": "5"},
    "a target during the snapshot phase": {"p": "s", "t": "10:20:", "tt": 1.0},
    "a tail target that is not a snapshot": {"p": "t", "t": "10:20:30", "tt": 1.0},
    "a tail target without its time": {"p": "t", "t": "10:20:"},
    "a tail target time without its target": {"p": "t", "tt": 1.0},
    "a tail with a snapshot total": {"p": "t", "n": 3},
    "an epoch that is a number": {"e": 7},
    "an empty epoch": {"e": ""},
    "an epoch too long to be one": {"e": "x" * 500},
}


NOT_CURSORS: dict[str, bytes] = {
    "a list": b"[1, 2, 3]",
    "a string": b'"a string"',
    "null": b"null",
    "an empty object": b"{}",
    "not UTF-8": b"\xff\xfe not utf-8",
    "nested too deep": b"[" * 1500 + b"]" * 1500,
}


def test_a_signed_cursor_with_anything_this_server_never_writes_is_refused(nurse: Desktop) -> None:
    # One person for every case: signing in is what takes the time here.
    tokens = {why: forged({**fields_of(nurse.cursor), **change}) for why, change in FORGERIES.items()}
    tokens.update({why: sign(body) for why, body in NOT_CURSORS.items()})

    answers = {why: pull_with(nurse, token) for why, token in tokens.items()}

    wrong = {
        why: (answer.status_code, answer.text[:200])
        for why, answer in answers.items()
        if answer.status_code != 422 or answer.json()["error"]["code"] != "invalid_cursor"
    }
    assert wrong == {}


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=3), children, max_size=3)
    ),
    max_leaves=6,
)
_SNAPSHOTS = st.builds(
    lambda a, b, xs: f"{a}:{b}:{','.join(map(str, xs))}",
    st.integers(-5, 2**64),
    st.integers(-5, 2**64),
    st.lists(st.integers(-5, 2**64), max_size=3),
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    changes=st.dictionaries(
        st.sampled_from(["v", "p", "b", "bt", "a", "t", "tt", "s", "n", "e"]),
        _JSON | _SNAPSHOTS,
        min_size=1,
        max_size=4,
    )
)
def test_no_signed_cursor_makes_the_server_fail(nurse: Desktop, changes: dict[str, Any]) -> None:
    answer = pull_with(nurse, forged({**fields_of(nurse.cursor), **changes}))

    assert answer.status_code in (200, 422), answer.text
    if answer.status_code == 422:
        assert answer.json()["error"]["code"] == "invalid_cursor"


def test_a_snapshot_ahead_of_the_databases_transaction_ids_means_the_database_went_back(
    nurse: Desktop, session_factory
) -> None:  # type: ignore[no-untyped-def]
    """A cursor from before a physical restore (or a forged one): the restored database hands its ids out
    again to other changes, which a tail from that snapshot would skip. Not a 422: an honest desktop holds
    such a cursor and must start again, not fail forever; a forger gains nothing an empty cursor lacks."""
    ahead = next_xid(session_factory) + 1000
    cursor = forged({**fields_of(nurse.cursor), "b": f"{ahead}:{ahead}:"})

    answer = pull_with(nurse, cursor)

    assert answer.status_code == 200, answer.text
    assert answer.json()["reset_required"] is True and answer.json()["cursor"] == ""


def test_a_tail_target_ahead_of_the_databases_transaction_ids_also_starts_again(
    nurse: Desktop, session_factory
) -> None:  # type: ignore[no-untyped-def]
    ahead = next_xid(session_factory) + 1000
    fields = fields_of(nurse.cursor)
    cursor = forged({**fields, "p": "t", "n": None, "t": f"{ahead}:{ahead}:", "tt": fields["bt"]})

    answer = pull_with(nurse, cursor)

    assert answer.status_code == 200 and answer.json()["reset_required"] is True


def test_a_cursor_from_the_databases_future_starts_again(nurse: Desktop) -> None:
    fields = fields_of(nurse.cursor)
    cursor = forged({**fields, "bt": fields["bt"] + 86400})  # would never be "too old" otherwise

    answer = pull_with(nurse, cursor)

    assert answer.status_code == 200 and answer.json()["reset_required"] is True


def test_a_cursor_postgresql_refuses_is_an_invalid_cursor_and_the_session_stays_usable(
    nurse: Desktop, session_factory, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The backstop behind decode_cursor: a value it let through and PostgreSQL refuses."""
    monkeypatch.setattr(pulling, "_snapshot", lambda value: value)
    monkeypatch.setattr(pulling, "_snapshot_xmax", lambda snapshot: 0)
    refused = {**fields_of(nurse.cursor), "b": "10:20:25"}

    assert pull_with(nurse, forged(refused)).status_code == 422
    session = session_factory()
    try:
        with pytest.raises(pulling.InvalidCursor):
            pulling.pull_page(
                session,
                cursor_token=forged({**refused, "s": pulling.scopes_fingerprint(["anything"])}),
                scopes=["anything"],
                limit=10,
                secret=TEST_SECRET,
                tombstone_seconds=86400,
            )
        assert session.execute(text("SELECT 1")).scalar_one() == 1
    finally:
        session.close()


def test_a_cursor_made_before_cursors_carried_an_epoch_is_still_followed(nurse: Desktop) -> None:
    fields = fields_of(nurse.cursor)
    del fields["e"]

    answer = pull_with(nurse, forged(fields))

    assert answer.status_code == 200 and answer.json()["reset_required"] is False
