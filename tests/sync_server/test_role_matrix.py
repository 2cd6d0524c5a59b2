"""Who may call what: every route of the app, called by each of the five roles and by nobody.

The table below is the access policy, written down once. A route the table does not list fails the tests,
so a new endpoint cannot ship without someone deciding who may call it.
Roles in the table must never get a 401/403 (a 404/409/422 is fine: the request got past the door);
roles not in the table get 403 "permission_denied"; a request without a token gets 401.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from shared.protocol import PROTOCOL_HEADER, PROTOCOL_VERSION
from shared.roles import Role
from sync_server.app import create_app
from sync_server.auth.models import User, UserWard
from sync_server.auth.passwords import hash_password
from sync_server.auth.service import AuthService
from sync_server.core.config import Settings
from sync_server.core.db import transaction
from sync_server.directory.models import AvailabilityException, Doctor, Medication, Patient, Room, Ward
from tests.conftest import PASSWORD
from tests.conftest import make_test_settings as make_settings

PUBLIC = "public"
# No sign-in: the link's signature is the permission (a bad one: 403 link_expired).
SIGNED_LINK = "signed link"
EVERYONE = frozenset(Role)
ADMIN = frozenset({Role.ADMIN})
CLINICAL = frozenset({Role.DOCTOR, Role.NURSE, Role.SCHEDULER, Role.ADMIN})  # who sees patients
PATIENT_WRITERS = frozenset({Role.NURSE, Role.SCHEDULER, Role.ADMIN})
FORMULARY_WRITERS = frozenset({Role.PHARMACIST, Role.ADMIN})
# A doctor may change only his own availability and book only in his own calendar (tested below).
CALENDAR_KEEPERS = frozenset({Role.ADMIN, Role.SCHEDULER, Role.DOCTOR})
UNDOERS = frozenset({Role.SCHEDULER, Role.ADMIN})
TICKET_READERS = frozenset({Role.NURSE, Role.PHARMACIST, Role.ADMIN})  # a nurse only her wards' tickets
NURSES = frozenset({Role.NURSE})
CARERS = frozenset({Role.NURSE, Role.DOCTOR})
PHARMACY = frozenset({Role.PHARMACIST})
DESK = frozenset({Role.SCHEDULER})
DESK_READERS = frozenset({Role.SCHEDULER, Role.ADMIN})

ACCESS: dict[tuple[str, str], frozenset[Role] | str] = {
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/readyz"): PUBLIC,
    ("POST", "/auth/token"): PUBLIC,
    ("POST", "/auth/logout"): EVERYONE,
    ("GET", "/auth/me"): EVERYONE,
    ("GET", "/users"): ADMIN,
    ("POST", "/users"): ADMIN,
    ("PATCH", "/users/{user_id}"): ADMIN,
    ("GET", "/wards"): EVERYONE,
    ("GET", "/wards/{ward_id}"): EVERYONE,
    ("POST", "/wards"): ADMIN,
    ("PATCH", "/wards/{ward_id}"): ADMIN,
    ("GET", "/rooms"): EVERYONE,
    ("POST", "/rooms"): ADMIN,
    ("PATCH", "/rooms/{room_id}"): ADMIN,
    ("GET", "/doctors"): EVERYONE,
    ("GET", "/doctors/{doctor_id}"): EVERYONE,
    ("POST", "/doctors"): ADMIN,
    ("PATCH", "/doctors/{doctor_id}"): ADMIN,
    ("GET", "/doctors/{doctor_id}/availability"): EVERYONE,
    ("PUT", "/doctors/{doctor_id}/availability/rules"): CALENDAR_KEEPERS,
    ("POST", "/doctors/{doctor_id}/availability/exceptions"): CALENDAR_KEEPERS,
    ("DELETE", "/doctors/{doctor_id}/availability/exceptions/{exception_id}"): CALENDAR_KEEPERS,
    ("GET", "/doctors/{doctor_id}/open-windows"): EVERYONE,
    ("GET", "/patients"): CLINICAL,
    ("GET", "/patients/{patient_id}"): CLINICAL,
    ("POST", "/patients"): PATIENT_WRITERS,
    ("PATCH", "/patients/{patient_id}"): PATIENT_WRITERS,
    ("POST", "/patients/{patient_id}/break-glass"): frozenset({Role.DOCTOR}),
    # Lab reports and exam results: the patient's carers (which patients: the scope rule, tested there).
    ("GET", "/patients/{patient_id}/documents"): CARERS,
    ("POST", "/patients/{patient_id}/documents"): CARERS,
    ("GET", "/appointments/{appointment_id}/documents"): CARERS,
    ("GET", "/documents/{document_id}"): CARERS,
    ("POST", "/documents/{document_id}/complete"): CARERS,
    ("POST", "/documents/{document_id}/open"): CARERS,
    ("POST", "/documents/{document_id}/entered-in-error"): CARERS,
    # The local store's expiring links: the signed token in the path is the permission.
    ("GET", "/patients/{patient_id}/history"): CLINICAL,  # the desk: appointments and payments only
    ("GET", "/patients/{patient_id}/notes"): CARERS,
    ("POST", "/patients/{patient_id}/notes"): frozenset({Role.DOCTOR}),
    ("POST", "/notes/{note_id}/amendments"): frozenset({Role.DOCTOR}),
    ("GET", "/documents/blobs/{token}"): SIGNED_LINK,
    ("PUT", "/documents/blobs/{token}"): SIGNED_LINK,
    # Payments at the desk: schedulers take and refund money; they and admins read amounts; nobody else.
    ("PUT", "/fees"): ADMIN,
    ("GET", "/fees"): DESK_READERS,
    ("GET", "/appointments/{appointment_id}/fee"): DESK_READERS,
    ("POST", "/payments"): DESK,
    ("POST", "/payments/{payment_id}/refunds"): DESK,
    ("GET", "/payments"): DESK_READERS,
    ("GET", "/payments/refunds-due"): DESK_READERS,
    ("GET", "/payments/{entry_id}/receipt.pdf"): DESK_READERS,
    ("GET", "/reports/cash"): DESK_READERS,
    ("GET", "/formulary"): EVERYONE,
    ("GET", "/formulary/{code}"): EVERYONE,
    ("POST", "/formulary"): FORMULARY_WRITERS,
    ("PATCH", "/formulary/{code}"): FORMULARY_WRITERS,
    ("GET", "/audit"): ADMIN,
    ("GET", "/admin/dead-letters"): ADMIN,
    ("POST", "/admin/dead-letters/replay"): ADMIN,
    ("GET", "/admin/dead-letters/{consumer}/{message_id}"): ADMIN,
    ("POST", "/admin/dead-letters/{consumer}/{message_id}/replay"): ADMIN,
    ("POST", "/admin/dead-letters/{consumer}/{message_id}/discard"): ADMIN,
    ("GET", "/admin/sync-health"): ADMIN,
    ("POST", "/appointments"): CALENDAR_KEEPERS,
    ("GET", "/appointments"): CLINICAL,
    ("GET", "/appointments/{appointment_id}"): CLINICAL,
    ("POST", "/appointments/{appointment_id}/reschedule"): CALENDAR_KEEPERS,
    ("POST", "/appointments/{appointment_id}/cancel"): CALENDAR_KEEPERS,
    ("POST", "/appointments/{appointment_id}/status"): CALENDAR_KEEPERS,
    ("POST", "/appointments/{appointment_id}/undo"): UNDOERS,
    ("GET", "/sagas/{saga_id}"): CALENDAR_KEEPERS,
    ("GET", "/tickets"): TICKET_READERS,
    ("GET", "/tickets/{ticket_id}"): TICKET_READERS,
    ("POST", "/tickets"): NURSES,
    ("POST", "/tickets/{ticket_id}/edit"): NURSES,
    ("POST", "/tickets/{ticket_id}/cancel"): NURSES,
    ("POST", "/tickets/{ticket_id}/approve"): PHARMACY,
    ("POST", "/tickets/{ticket_id}/reject"): PHARMACY,
    ("POST", "/tickets/{ticket_id}/start_preparation"): PHARMACY,
    ("POST", "/tickets/{ticket_id}/dispatch"): PHARMACY,
    ("POST", "/tickets/{ticket_id}/receive"): NURSES,
    ("POST", "/tickets/{ticket_id}/close"): NURSES | PHARMACY,
    # Each person's own notifications only (someone else's is a 404).
    ("GET", "/me/notifications"): EVERYONE,
    ("POST", "/me/notifications/{notification_id}/read"): EVERYONE,
    # Sync: everyone pushes and pulls; what each may change or see is decided per mutation and scope.
    ("POST", "/sync/push"): EVERYONE,
    ("GET", "/sync/pull"): EVERYONE,
    # Desktop releases: a desktop asks (and reports a refused update) before anyone has signed in.
    ("GET", "/releases/desktop/current"): PUBLIC,
    ("POST", "/releases/desktop/refusals"): PUBLIC,
    ("GET", "/releases/desktop"): ADMIN,
    ("POST", "/releases/desktop"): ADMIN,
}


def app_routes() -> list[tuple[str, str]]:
    """Every (method, path) the app serves, read from its routes (building it does not touch a database)."""
    app = create_app(make_settings(), database_url="postgresql://collecting@127.0.0.1:1/none")
    return sorted(
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute)
        for method in context.methods or ()
        if method != "HEAD"
    )


ROUTES = app_routes()


# --- the records the requests name -----------------------------------------------------------------


@functools.cache
def password_hash() -> str:
    # Hashing is slow by design; the matrix needs a dozen users per test, all with the same password.
    return hash_password(PASSWORD)


def add_user(session: Session, role: Role, username: str, *, ward: Ward, doctor: Doctor) -> User:
    user = User(
        username=username,
        full_name=f"Matrix {role.value.title()}",
        role=role,
        password_hash=password_hash(),
        doctor_id=doctor.id if role is Role.DOCTOR else None,
        # The nurse works on the ward, the doctor covers it: the matrix's patient is in both one's care
        # (which patients each role sees is tested in test_patient_scope.py).
        wards=[UserWard(ward_id=ward.id)] if role in (Role.NURSE, Role.DOCTOR) else [],
    )
    session.add(user)
    return user


@dataclass
class Records:
    """Real records for the path parameters, so that allowed roles get past 404 where they can."""

    ids: dict[str, str]
    patient_id: uuid.UUID
    doctor_id: uuid.UUID
    ward_id: uuid.UUID
    counter: Iterator[int] = field(default_factory=lambda: iter(range(1, 1_000_000)))

    def unique(self) -> int:
        return next(self.counter)


@pytest.fixture
def records(session_factory: sessionmaker[Session], ward: Ward, doctor: Doctor) -> Records:
    with transaction(session_factory) as session:
        colleague = add_user(session, Role.SCHEDULER, "colleague", ward=ward, doctor=doctor)
        room = Room(name="Consultation 1", ward_id=ward.id)
        patient = Patient(mrn="MRN-0001", full_name="Rui Matos", birth_date=date(1950, 2, 3), ward_id=ward.id)
        medication = Medication(
            code="PARA500", name="Paracetamol", form="tablet", strength="500 mg", unit="tablet", pack_size=20
        )
        leave = AvailabilityException(
            doctor_id=doctor.id,
            kind="leave",
            starts_at=datetime(2031, 8, 1, tzinfo=UTC),
            ends_at=datetime(2031, 8, 15, tzinfo=UTC),
        )
        session.add_all([room, patient, medication, leave])
    ids = {
        "user_id": colleague.id,
        "ward_id": ward.id,
        "room_id": room.id,
        "doctor_id": doctor.id,
        "exception_id": leave.id,
        "patient_id": patient.id,
        "code": medication.code,
        "appointment_id": uuid.uuid4(),  # none exists: the allowed roles get 404, never 403
        "saga_id": uuid.uuid4(),
        "ticket_id": uuid.uuid4(),  # none exists: the allowed roles get 404
        "document_id": uuid.uuid4(),  # none exists: the allowed roles get 404
        "note_id": uuid.uuid4(),  # none exists: a doctor gets 404
        "payment_id": uuid.uuid4(),  # no such payment: the desk gets 404
        "entry_id": uuid.uuid4(),
        "token": "not-a-signed-link",
        "notification_id": uuid.uuid4(),
        "consumer": "confirmation-email",
        "message_id": uuid.uuid4(),  # no such dead letter: the admin gets 404
    }
    return Records({name: str(value) for name, value in ids.items()}, patient.id, doctor.id, ward.id)


def next_monday_9am() -> str:
    today = datetime.now(UTC).date()
    monday = today + timedelta(days=7 - today.weekday() + 7)
    return f"{monday.isoformat()}T09:00:00Z"


def request_for(method: str, path: str, rec: Records) -> dict[str, Any]:
    """Plausible arguments for one request: the body or form a real client would send."""
    n = rec.unique()
    bodies: dict[tuple[str, str], dict[str, Any]] = {
        ("POST", "/users"): {
            "username": f"new-user-{n}",
            "full_name": "New Colleague",
            "role": "scheduler",
            "password": "long enough password",
        },
        ("PATCH", "/users/{user_id}"): {"full_name": f"Renamed {n}"},
        ("POST", "/wards"): {"code": f"W{n}", "name": f"Ward {n}"},
        ("PATCH", "/wards/{ward_id}"): {"name": f"Ward 3 ({n})"},
        ("POST", "/rooms"): {"name": f"Room {n}", "ward_id": str(rec.ward_id)},
        ("PATCH", "/rooms/{room_id}"): {"kind": "procedure"},
        ("POST", "/doctors"): {
            "full_name": "Dr. Rita Lopes",
            "specialty": "Neurology",
            "license_number": f"CRM-{9000 + n}",
            "time_zone": "Europe/Lisbon",
        },
        ("PATCH", "/doctors/{doctor_id}"): {"specialty": "Cardiology"},
        ("PUT", "/doctors/{doctor_id}/availability/rules"): {
            "rules": [{"weekday": 1, "starts": "08:00", "ends": "12:00"}]
        },
        ("POST", "/doctors/{doctor_id}/availability/exceptions"): {
            "kind": "leave",
            "starts_at": f"2032-01-{n % 28 + 1:02d}T00:00:00Z",
            "ends_at": f"2032-01-{n % 28 + 1:02d}T12:00:00Z",
        },
        ("POST", "/patients"): {
            "mrn": f"MRN-{1000 + n}",
            "full_name": "Ines Sousa",
            "birth_date": "1980-05-06",
            "ward_id": str(rec.ward_id),
        },
        ("POST", "/patients/{patient_id}/break-glass"): {"reason": "unconscious in the emergency room"},
        ("PATCH", "/patients/{patient_id}"): {"phone": "+351 912 345 678"},
        ("POST", "/formulary"): {
            "code": f"IBU{n}",
            "name": "Ibuprofen",
            "form": "tablet",
            "strength": "400 mg",
            "unit": "tablet",
        },
        ("PATCH", "/formulary/{code}"): {"pack_size": 30},
        ("POST", "/admin/dead-letters/replay"): {"message_ids": []},
        ("POST", "/admin/dead-letters/{consumer}/{message_id}/discard"): {"reason": "test message"},
        ("POST", "/appointments"): {
            "doctor_id": str(rec.doctor_id),
            "patient_id": str(rec.patient_id),
            "starts_at": next_monday_9am(),
        },
        ("POST", "/appointments/{appointment_id}/reschedule"): {"starts_at": next_monday_9am()},
        ("POST", "/appointments/{appointment_id}/cancel"): {"reason": "patient asked"},
        ("POST", "/appointments/{appointment_id}/status"): {"status": "completed"},
        ("POST", "/appointments/{appointment_id}/undo"): {"reason": "cancelled by mistake"},
        ("POST", "/tickets"): {
            "ticket_id": str(uuid.uuid4()),
            "ward_id": str(rec.ward_id),
            "lines": [
                {"line_id": str(uuid.uuid4()), "medication_code": "PARA500", "quantity": 5, "unit": "tablet"}
            ],
        },
        ("POST", "/tickets/{ticket_id}/edit"): {"notes": "for bed 4"},
        ("POST", "/tickets/{ticket_id}/cancel"): {"reason": "not needed"},
        ("POST", "/tickets/{ticket_id}/approve"): {
            "lines": [{"line_id": str(uuid.uuid4()), "approved_quantity": 5}]
        },
        ("POST", "/tickets/{ticket_id}/reject"): {"reason": "ordered twice"},
        ("POST", "/tickets/{ticket_id}/dispatch"): {
            "lines": [{"line_id": str(uuid.uuid4()), "dispatched_quantity": 5}]
        },
        ("POST", "/tickets/{ticket_id}/receive"): {
            "lines": [{"line_id": str(uuid.uuid4()), "received_quantity": 5}]
        },
        # A fresh client id per call: a client id belongs to the first person who pushes with it.
        ("POST", "/sync/push"): {"client_id": str(uuid.uuid4()), "mutations": []},
    }
    queries: dict[tuple[str, str], dict[str, str]] = {
        ("GET", "/doctors/{doctor_id}/open-windows"): {
            "start": "2031-03-03T00:00:00Z",
            "end": "2031-03-10T00:00:00Z",
        },
        ("GET", "/appointments"): {"start": "2031-03-03T00:00:00Z", "end": "2031-03-10T00:00:00Z"},
    }
    arguments: dict[str, Any] = {"params": queries.get((method, path), {})}
    if (method, path) == ("POST", "/auth/token"):
        arguments["data"] = {"grant_type": "password", "username": "colleague", "password": PASSWORD}
    elif (method, path) in bodies:
        arguments["json"] = bodies[(method, path)]
    elif method in ("POST", "PUT", "PATCH"):
        arguments["json"] = {}
    return arguments


@pytest.fixture
def people(
    session_factory: sessionmaker[Session], settings: Settings, ward: Ward, doctor: Doctor
) -> Callable[[Role], dict[str, str]]:
    """One user per role; each call opens a fresh session, since a tested POST /auth/logout ends one."""
    with transaction(session_factory) as session:
        users = {
            role: add_user(session, role, f"matrix-{role.value}", ward=ward, doctor=doctor) for role in Role
        }

    def headers_of(role: Role) -> dict[str, str]:
        with transaction(session_factory) as session:
            user = session.get(User, users[role].id)
            assert user is not None
            tokens = AuthService(session, settings).start_session(user, client="role-matrix")
        return {"Authorization": f"Bearer {tokens.access_token}"}

    return headers_of


def call(client: TestClient, method: str, path: str, rec: Records, headers: dict[str, str]):  # type: ignore[no-untyped-def]
    url = path.format(**rec.ids)
    if path.startswith("/sync/"):
        headers = {**headers, PROTOCOL_HEADER: str(PROTOCOL_VERSION)}
    return client.request(method, url, headers=headers, **request_for(method, path, rec))


# --- the tests -------------------------------------------------------------------------------------


def test_the_table_lists_exactly_the_routes_the_app_serves() -> None:
    unlisted = sorted(set(ROUTES) - set(ACCESS))
    stale = sorted(set(ACCESS) - set(ROUTES))
    assert not unlisted, f"routes without an access rule (add them to ACCESS): {unlisted}"
    assert not stale, f"ACCESS names routes the app no longer serves: {stale}"


@pytest.mark.parametrize(("method", "path"), ROUTES, ids=[f"{m} {p}" for m, p in ROUTES])
def test_each_role_gets_exactly_the_access_the_table_grants(client, people, records, method, path):  # type: ignore[no-untyped-def]
    if (method, path) not in ACCESS:
        pytest.fail(f"{method} {path} has no access rule: add it to ACCESS in {__name__}")
    allowed = ACCESS[(method, path)]
    wrong: list[str] = []

    anonymous = call(client, method, path, records, {})
    if allowed == SIGNED_LINK:
        for headers in [{}] + [people(role) for role in Role]:
            answer = call(client, method, path, records, headers)
            if answer.status_code != 403 or answer.json()["error"]["code"] != "link_expired":
                wrong.append(f"a forged link was not refused: {answer.status_code} {answer.text[:200]}")
        assert not wrong, f"{method} {path}:\n" + "\n".join(wrong)
        return
    if allowed == PUBLIC:
        if anonymous.status_code in (401, 403) or anonymous.status_code >= 500:
            wrong.append(f"anonymous: {anonymous.status_code} {anonymous.text[:200]}")
    elif anonymous.status_code != 401 or anonymous.json()["error"]["code"] != "not_authenticated":
        wrong.append(f"anonymous: expected 401 not_authenticated, got {anonymous.status_code}")

    for role in Role:
        answer = call(client, method, path, records, people(role))
        if allowed == PUBLIC or role in allowed:
            if answer.status_code in (401, 403) or answer.status_code >= 500:
                wrong.append(f"{role.value} is allowed but got {answer.status_code}: {answer.text[:200]}")
        elif answer.status_code != 403 or answer.json()["error"]["code"] != "permission_denied":
            wrong.append(f"{role.value} is not allowed but got {answer.status_code}: {answer.text[:200]}")

    assert not wrong, f"{method} {path}:\n" + "\n".join(wrong)


@pytest.fixture
def colleagues_doctor(session_factory: sessionmaker[Session]) -> Doctor:
    with transaction(session_factory) as session:
        other = Doctor(
            full_name="Dr. Paulo Reis",
            specialty="Oncology",
            license_number="CRM-2002",
            time_zone="Europe/Lisbon",
            default_slot_minutes=30,
        )
        session.add(other)
    return other


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PUT", "/doctors/{doctor_id}/availability/rules"),
        ("POST", "/doctors/{doctor_id}/availability/exceptions"),
        ("DELETE", "/doctors/{doctor_id}/availability/exceptions/{exception_id}"),
        ("POST", "/appointments"),
    ],
    ids=lambda value: str(value),
)
def test_a_doctor_manages_only_his_own_calendar(  # type: ignore[no-untyped-def]
    client, people, records, colleagues_doctor, session_factory, method, path
):
    with transaction(session_factory) as session:
        leave = AvailabilityException(
            doctor_id=colleagues_doctor.id,
            kind="leave",
            starts_at=datetime(2031, 9, 1, tzinfo=UTC),
            ends_at=datetime(2031, 9, 2, tzinfo=UTC),
        )
        session.add(leave)
    records.ids.update(doctor_id=str(colleagues_doctor.id), exception_id=str(leave.id))
    records.doctor_id = colleagues_doctor.id

    answer = call(client, method, path, records, people(Role.DOCTOR))

    assert answer.status_code == 403, answer.text
    assert answer.json()["error"]["code"] == "permission_denied"
    # A scheduler may do the same thing for that colleague.
    assert call(client, method, path, records, people(Role.SCHEDULER)).status_code not in (401, 403)
