"""History routes: a patient's timeline (paged, newest first), and the doctors' notes and amendments."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from shared.history import HISTORY_PAGE_MAX, AddNote, AmendNote, HistoryKind, HistoryPage
from shared.roles import Role
from sync_server.auth.deps import Actor, require
from sync_server.core.clock import Now
from sync_server.core.context import Client, DbSession
from sync_server.core.openapi import AUTHED, WITH_BODY, errors
from sync_server.history.schemas import AddNoteIn, AmendNoteIn, NoteOut
from sync_server.history.service import HistoryService
from sync_server.history.store import HistoryStore

router = APIRouter(tags=["history"])

# The carers and the front desk; a pharmacist reads no patient's history (403 at the door).
Reader = Annotated[Actor, Depends(require(Role.DOCTOR, Role.NURSE, Role.SCHEDULER, Role.ADMIN))]
Carer = Annotated[Actor, Depends(require(Role.DOCTOR, Role.NURSE))]
Doctor = Annotated[Actor, Depends(require(Role.DOCTOR))]


async def get_store(request: Request) -> HistoryStore:
    store: HistoryStore = request.app.state.history_store
    return store


Store = Annotated[HistoryStore, Depends(get_store)]


# No I/O in these: async, so FastAPI runs them without a thread-pool hop (see core/context.py).
async def _service(
    session: DbSession, actor: Reader, client: Client, now: Now, store: Store
) -> HistoryService:
    return HistoryService(session, actor=actor, client=client, now=now, store=store)


async def _carer(session: DbSession, actor: Carer, client: Client, now: Now, store: Store) -> HistoryService:
    return HistoryService(session, actor=actor, client=client, now=now, store=store)


async def _writer(
    session: DbSession, actor: Doctor, client: Client, now: Now, store: Store
) -> HistoryService:
    return HistoryService(session, actor=actor, client=client, now=now, store=store)


Service = Annotated[HistoryService, Depends(_service)]
CarerService = Annotated[HistoryService, Depends(_carer)]
Writer = Annotated[HistoryService, Depends(_writer)]


@router.get(
    "/patients/{patient_id}/history",
    response_model=HistoryPage,
    responses=errors(*AUTHED, 404),
    summary="A patient's history, newest first (carers: everything, payments without amounts; desk: "
    "appointments and payments)",
)
def patient_history(
    service: Service,
    patient_id: uuid.UUID,
    kind: Annotated[list[HistoryKind] | None, Query(description="Only these kinds (repeatable)")] = None,
    before: Annotated[str | None, Query(max_length=96, description="A page's `next_before`")] = None,
    limit: Annotated[int, Query(ge=1, le=HISTORY_PAGE_MAX)] = 50,
) -> HistoryPage:
    return service.page(patient_id, kinds=frozenset(kind or ()), before=before, limit=limit)


@router.get(
    "/patients/{patient_id}/notes",
    response_model=list[NoteOut],
    responses=errors(*AUTHED, 404),
    summary="A patient's notes and amendments, oldest first (his carers)",
)
def patient_notes(service: CarerService, patient_id: uuid.UUID) -> list[NoteOut]:
    return [NoteOut.model_validate(n) for n in service.notes(patient_id)]


@router.post(
    "/patients/{patient_id}/notes",
    response_model=NoteOut,
    status_code=201,
    responses=errors(*WITH_BODY, 404, 409),
    summary="Write a dated note in the patient's history (his doctors)",
)
def add_note(service: Writer, patient_id: uuid.UUID, body: AddNoteIn) -> NoteOut:
    request = AddNote(patient_id=patient_id, noted_on=body.noted_on, text=body.text)
    return NoteOut.model_validate(service.add_note(body.note_id, request))


@router.post(
    "/notes/{note_id}/amendments",
    response_model=NoteOut,
    status_code=201,
    responses=errors(*WITH_BODY, 404, 409),
    summary="Amend a note (the original stays; the amendment names it, with its author, time and reason)",
)
def amend_note(service: Writer, note_id: uuid.UUID, body: AmendNoteIn) -> NoteOut:
    request = AmendNote(text=body.text, reason=body.reason)
    return NoteOut.model_validate(service.amend_note(body.amendment_id, note_id, request))
