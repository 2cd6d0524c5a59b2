from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from sync_server.core.migrations import database_status

router = APIRouter(tags=["health"])


class Health(BaseModel):
    status: str
    detail: str = ""


@router.get("/healthz", response_model=Health)
def healthz() -> Health:
    """The process is up and answering."""
    return Health(status="ok")


@router.get("/readyz", response_model=Health, responses={503: {"model": Health, "description": "Not ready"}})
def readyz(request: Request) -> Health | JSONResponse:
    """The database is reachable and migrated to the schema this build expects."""
    ready, detail = database_status(request.app.state.engine)
    if not ready:
        return JSONResponse(Health(status="unavailable", detail=detail).model_dump(), status_code=503)
    return Health(status="ok", detail=detail)
