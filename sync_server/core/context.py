"""Per-request plumbing: the settings, the transaction the request owns, and who is calling from where.

Dependencies that do no I/O are `async def`: FastAPI runs sync ones on the thread pool, and each such
hop costs about a millisecond under load.
"""

from __future__ import annotations

import functools
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy.orm import Session, sessionmaker

from sync_server.core.config import Settings
from sync_server.core.errors import AppError


async def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def get_session_factory(request: Request) -> sessionmaker[Session]:
    factory: sessionmaker[Session] = request.app.state.session_factory
    return factory


def _end(session: Session, *, commit: bool) -> None:
    try:
        if commit:
            session.commit()
        else:
            session.rollback()
    finally:
        session.close()


async def _request_transaction(request: Request) -> AsyncIterator[Session]:
    """The request owns the transaction: committed before the answer is sent, rolled back on any error
    (but a refusal that `keeps_effects`, whose record must stay).

    Async so that opening and closing cost no thread-pool hop: a session connects only when first used
    (on the endpoint's thread), and only a transaction still open at the end needs the pool to finish."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
    except BaseException as exc:
        if session.in_transaction():
            await run_in_threadpool(_end, session, commit=isinstance(exc, AppError) and exc.keeps_effects)
        else:
            session.close()
        raise
    if session.in_transaction():
        await run_in_threadpool(_end, session, commit=True)
    else:
        session.close()


DbSession = Annotated[Session, Depends(_request_transaction, scope="function")]

Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def ends_on_its_thread(endpoint: Endpoint) -> Endpoint:
    """For a hot sync endpoint whose DbSession parameter is named `session`: the request's transaction is
    committed on the endpoint's own worker thread when it returns, instead of by the dependency's
    teardown, which needs one more trip through the thread pool. The route still does not commit: what
    commits, and when (only after an answer, never after an error), stays here."""

    @functools.wraps(endpoint)
    def run(*args: Any, **kwargs: Any) -> Any:
        answer = endpoint(*args, **kwargs)
        session: Session = kwargs["session"]
        if session.in_transaction():
            session.commit()
        return answer

    return run  # type: ignore[return-value]


SettingsDep = Annotated[Settings, Depends(get_settings)]


@dataclass(frozen=True)
class ClientInfo:
    address: str
    name: str


async def get_client(request: Request) -> ClientInfo:
    address = request.client.host if request.client else ""
    name = request.headers.get("x-warddesk-client") or request.headers.get("user-agent") or ""
    return ClientInfo(address=address[:64], name=name[:200])


Client = Annotated[ClientInfo, Depends(get_client)]
