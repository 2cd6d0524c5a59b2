from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sync_server.core.migrations import database_status

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    detail: str = ""


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up and answering."""
    return Health(status="ok")


def broker_reachable(url: str, *, timeout: float = 2.0) -> bool:
    """Whether RabbitMQ accepts a connection (opened and closed at once)."""
    import pika
    import pika.exceptions

    parameters = pika.URLParameters(url)
    parameters.socket_timeout = timeout
    parameters.blocked_connection_timeout = timeout
    parameters.connection_attempts = 1
    try:
        pika.BlockingConnection(parameters).close()
    except (pika.exceptions.AMQPError, OSError):
        return False
    return True


@router.get("/readyz", response_model=Health, responses={503: {"model": Health, "description": "Not ready"}})
def readyz(request: Request) -> Health | JSONResponse:
    """The database is reachable and at the schema this build expects, and RabbitMQ (when configured)
    accepts connections. The answer names the part that is down, nothing more (the log says why)."""
    ready, why = database_status(request.app.state.engine)
    if not ready:
        log.warning("not ready: %s", why)
        return JSONResponse(Health(status="unavailable", detail="database").model_dump(), status_code=503)
    amqp_url = request.app.state.settings.amqp_url
    if amqp_url and not broker_reachable(amqp_url):
        log.warning("not ready: RabbitMQ does not accept connections")
        return JSONResponse(Health(status="unavailable", detail="broker").model_dump(), status_code=503)
    return Health(status="ok")
