"""Sync routes: POST /sync/push (queued mutations in) and GET /sync/pull (changes out, long poll)."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from shared.errors import ErrorBody, ErrorCode
from shared.protocol import (
    FEATURE_SERVER_EPOCH,
    FEATURES_HEADER,
    MAX_LONG_POLL_SECONDS,
    MAX_PULL_LIMIT,
    MIN_SUPPORTED_VERSION,
    PROTOCOL_HEADER,
    PROTOCOL_VERSION,
    PullResponse,
    PushRequest,
    PushResponse,
)
from sync_server.audit import service as audit
from sync_server.auth.deps import ALL_ROLES, Actor, BearerClaims, checked_on_its_thread, signed_in
from sync_server.core.admission import waiting
from sync_server.core.clock import Now
from sync_server.core.context import Client, DbSession, SettingsDep
from sync_server.core.errors import AppError
from sync_server.core.openapi import AUTHED, WITH_BODY, errors
from sync_server.sync import pull as pulling
from sync_server.sync import push as pushing
from sync_server.sync import workstations
from sync_server.sync.notifier import ChangeNotifier, Waiter
from sync_server.sync.readers import scopes_of


class UpdateRequired(AppError):
    status_code = 426
    code = ErrorCode.UPDATE_REQUIRED


_UPDATE_REQUIRED: dict[int | str, dict[str, Any]] = {
    426: {
        "model": ErrorBody,
        "description": "The desktop speaks a sync protocol this server no longer supports",
    }
}


async def check_protocol(
    version: Annotated[
        str | None,
        Header(
            alias=PROTOCOL_HEADER, max_length=8, description=f"Sync protocol version (now {PROTOCOL_VERSION})"
        ),
    ] = None,
) -> None:
    """Refuse desktops older than the server supports, before anything else is looked at. (No I/O: async,
    so it costs no thread-pool hop on every sync request.)"""
    try:
        spoken = int(version) if version is not None else None
    except ValueError:
        spoken = None
    if spoken is None or spoken < MIN_SUPPORTED_VERSION:
        raise UpdateRequired(
            "This WardDesk desktop is too old for this server; ask IT to update it.",
            details={"min_supported": MIN_SUPPORTED_VERSION, "server": PROTOCOL_VERSION, "sent": version},
        )


async def _knows_epochs(
    features: Annotated[
        str | None,
        Header(
            alias=FEATURES_HEADER,
            max_length=200,
            description=f"Features the desktop understands, comma-separated ({FEATURE_SERVER_EPOCH})",
        ),
    ] = None,
) -> bool:
    """Whether the desktop reads `server_epoch` (older desktops refuse fields they do not know)."""
    return features is not None and FEATURE_SERVER_EPOCH in (f.strip() for f in features.split(","))


KnowsEpochs = Annotated[bool, Depends(_knows_epochs)]

router = APIRouter(prefix="/sync", tags=["sync"], dependencies=[Depends(check_protocol)])


@router.post(
    "/push",
    response_model=PushResponse,
    responses={**errors(*WITH_BODY, 409, 503), **_UPDATE_REQUIRED},
    summary="Apply a desktop's queued changes, in order, each exactly once",
)
@checked_on_its_thread(*ALL_ROLES)
def push(
    session: DbSession,
    actor: Actor,
    client: Client,
    body: PushRequest,
    request: Request,
    knows_epochs: KnowsEpochs,
    desktop: workstations.Desktop,
    now: Now,
) -> Response:
    """Per mutation: applied (with the new version), rejected (a final answer with a reason) or conflict
    (with the server's record). Numbers already settled get their stored answer; 409 mutation_gap when
    numbers are missing; 409 server_restored when the batch was numbered for another `server_epoch`
    (the database was restored from a backup since); 403 when the client id is another person's.
    `stopped_early` asks for a retry of the rest after `retry_after_seconds`. A booking or a move
    answers with its outcome: applied (confirmed), or rejected with the reason (the refused request,
    with the next free slots, follows by pull); applied without a version when its saga must wait for a
    retry (the outcome then arrives by pull)."""
    handlers: pushing.MutationHandlers = request.app.state.mutation_handlers
    response = pushing.push(session, actor=actor, client=client, request=body, handlers=handlers)
    workstations.note_push(session, client_id=body.client_id, user_id=actor.user_id, report=desktop, at=now)
    # The request's transaction commits the batch's effects, its answers and the client's counter at once.
    answer = response.model_dump_json(exclude=None if knows_epochs else {"server_epoch"})
    return Response(content=answer, media_type="application/json")


@router.get(
    "/pull",
    response_model=PullResponse,
    responses={**errors(*AUTHED), **_UPDATE_REQUIRED},
    summary="Changes in the caller's scopes since a cursor (long poll with wait > 0)",
)
async def pull(
    session: DbSession,
    claims: BearerClaims,
    client: Client,
    settings: SettingsDep,
    request: Request,
    knows_epochs: KnowsEpochs,
    desktop: workstations.Desktop,
    now: Now,
    cursor: Annotated[str, Query(max_length=4096, description="Opaque; empty for an initial sync")] = "",
    limit: Annotated[int, Query(ge=1, le=MAX_PULL_LIMIT)] = 500,
    wait: Annotated[
        float, Query(ge=0, le=MAX_LONG_POLL_SECONDS, description="Long poll: seconds to wait")
    ] = 0,
    client_id: Annotated[
        uuid.UUID | None, Query(description="Reports this client's last settled mutation")
    ] = None,
) -> Response:
    """An empty cursor starts with the current state of every record in scope (paged: follow
    `has_more`), then the changes since. `reset_required` means the cursor is older than the tombstone
    window, the caller's scopes changed, or the database went back to an older state since the cursor
    was made (another `server_epoch`): drop the cache and pull again with the returned cursor.
    422 invalid_cursor for a cursor this server did not issue."""
    notifier: ChangeNotifier | None = getattr(request.app.state, "sync_notifier", None)
    loop = asyncio.get_running_loop()
    # Each trip through the thread pool costs about as much CPU as the rest of the HTTP stack, and a
    # ward's desktops pull all day: a pull that answers at once takes ONE trip (the caller's session
    # checked, the page read, the answer settled and committed); a long poll one more per wake-up.
    caller: Actor | None = None
    waiter: Waiter | None = None

    def look(token: str) -> tuple[pulling.Page, bytes | None]:
        """The page after `token`, and the settled answer, or None when the long poll waits for a
        change (then nothing is held: the transaction is committed)."""
        assert caller is not None
        page = pulling.pull_page(
            session,
            cursor_token=token,
            scopes=scopes_of(caller),
            limit=limit,
            secret=settings.secret_key,
            tombstone_seconds=settings.tombstone_days * 86400,
        )
        if wait > 0 and not page.changes and not page.has_more and page.cursor is not None:
            session.commit()  # no connection is held while waiting
            return page, None
        return page, settle(page)

    def first_look() -> tuple[pulling.Page, bytes | None]:
        nonlocal caller, waiter
        caller = signed_in(session, claims)
        if wait > 0 and notifier is not None:
            # Registered before the first look, so a change committed in between still wakes us.
            waiter = notifier.add(scopes_of(caller), loop=loop)
        return look(cursor)

    def settle(page: pulling.Page) -> bytes:
        assert caller is not None
        last = (
            pushing.last_mutation_id(session, client_id=client_id, user_id=caller.user_id) if client_id else 0
        )
        if client_id is not None:
            workstations.note_pull(
                session, client_id=client_id, user_id=caller.user_id, report=desktop, at=now
            )
        if page.changes:
            # The pull can carry patient data: who received what is audited (counts, not contents).
            audit.record(
                session,
                actor=caller,
                client=client,
                action="sync.pull",
                entity="sync",
                details={"changes": len(page.changes), "entities": page.entities or {}},
            )
        body = pulling.render(
            page,
            secret=settings.secret_key,
            last_mutation_id=last,
            server_time=datetime.now(UTC),
            with_epoch=knows_epochs,
        )
        session.commit()
        return body

    try:
        page, body = await run_in_threadpool(first_look)
        if body is None:
            deadline = loop.time() + wait
            while body is None:
                remaining = deadline - loop.time()
                if remaining <= 0:
                    break
                # While the listener is connected a change in our scopes always sends a notice (the
                # listener checks its connection and wakes every waiter after a reconnect): wait for one,
                # with no re-checks; 1,000 waiting desktops re-checking every 5 s were most of the
                # database's work. Without the listener, look every 0.25 s.
                listening = waiter is not None and notifier is not None and notifier.listening
                async with waiting(request):  # no place taken while waiting (core/admission.py)
                    if waiter is not None:
                        woken = await waiter.wait(remaining if listening else min(remaining, 0.25))
                    else:
                        await asyncio.sleep(min(remaining, 0.25))
                        woken = True
                if listening and not woken:
                    break  # no notice until the deadline: nothing changed, the empty page stands
                assert page.cursor is not None
                token = pulling.encode_cursor(page.cursor, secret=settings.secret_key)
                page, body = await run_in_threadpool(look, token)
            if body is None:  # the deadline came: the empty page is the answer
                body = await run_in_threadpool(settle, page)
    finally:
        if waiter is not None and notifier is not None:
            notifier.remove(waiter)
    return Response(content=body, media_type="application/json")
