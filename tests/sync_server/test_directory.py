"""The directory over HTTP: wards, rooms, doctors and their availability, patients, the formulary."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import pytest

from shared.roles import Role

NEW_DOCTOR = {
    "full_name": "Dr. Rui Lima",
    "specialty": "Neurology",
    "license_number": "CRM-2002",
    "email": "Rui.Lima@hospital.example",
    "time_zone": "America/New_York",
    "default_slot_minutes": 30,
}
NEW_PATIENT = {
    "mrn": " mrn-0042 ",
    "full_name": "Joana Alves",
    "birth_date": "1980-05-17",
    "phone": "+351 912 345 678",
}
NEW_MEDICATION = {
    "code": "amox-500",
    "name": "Amoxicillin",
    "form": "capsule",
    "strength": "500 mg",
    "unit": "capsule",
    "pack_size": 16,
}


@pytest.fixture
def admin(sign_in):
    return sign_in(Role.ADMIN)


def audit_actions(client, admin, **filters) -> list[str]:
    answer = client.get("/audit", params=filters, headers=admin.headers)
    assert answer.status_code == 200, answer.text
    return [entry["action"] for entry in answer.json()["entries"]]


def assert_invalid(answer, field: str) -> None:
    assert answer.status_code == 422, answer.text
    error = answer.json()["error"]
    assert error["code"] == "invalid_request"
    assert field in error["message"]


# Wards and rooms


def test_an_admin_creates_renames_and_reads_a_ward_that_every_role_can_list(client, admin, sign_in):
    created = client.post(
        "/wards", json={"code": "w5", "name": "Ward 5 - Surgery", "floor": "5"}, headers=admin.headers
    )
    assert created.status_code == 201, created.text
    ward = created.json()
    assert ward["code"] == "W5"

    renamed = client.patch(
        f"/wards/{ward['id']}", json={"name": "Ward 5 - General Surgery"}, headers=admin.headers
    )
    assert renamed.json()["name"] == "Ward 5 - General Surgery"

    pharmacist = sign_in(Role.PHARMACIST)
    listed = client.get("/wards", headers=pharmacist.headers)
    assert "Ward 5 - General Surgery" in [w["name"] for w in listed.json()]
    assert client.get(f"/wards/{ward['id']}", headers=pharmacist.headers).json()["floor"] == "5"
    assert audit_actions(client, admin, entity="ward") == ["ward.update", "ward.create"]


def test_only_an_admin_creates_wards(client, sign_in):
    nurse = sign_in(Role.NURSE)
    answer = client.post("/wards", json={"code": "W9", "name": "Ward 9"}, headers=nurse.headers)
    assert answer.status_code == 403
    assert answer.json()["error"]["code"] == "permission_denied"


def test_a_taken_ward_code_is_a_duplicate(client, admin, ward):
    answer = client.post("/wards", json={"code": ward.code.lower(), "name": "Another"}, headers=admin.headers)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "duplicate"


def test_a_room_belongs_to_an_existing_ward(client, admin, ward):
    created = client.post(
        "/rooms", json={"name": "Consult 3.1", "ward_id": str(ward.id)}, headers=admin.headers
    )
    assert created.status_code == 201, created.text
    assert created.json()["kind"] == "consultation"

    moved = client.patch(
        f"/rooms/{created.json()['id']}", json={"ward_id": str(uuid.uuid4())}, headers=admin.headers
    )
    assert_invalid(moved, "ward_id")

    closed = client.patch(f"/rooms/{created.json()['id']}", json={"active": False}, headers=admin.headers)
    assert closed.json()["active"] is False
    rooms = client.get("/rooms", params={"ward_id": str(ward.id)}, headers=admin.headers).json()
    assert [(r["name"], r["active"]) for r in rooms] == [("Consult 3.1", False)]


def test_a_taken_room_name_is_a_duplicate(client, admin):
    assert client.post("/rooms", json={"name": "Theatre A"}, headers=admin.headers).status_code == 201
    answer = client.post("/rooms", json={"name": "Theatre A"}, headers=admin.headers)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "duplicate"


# Doctors


def test_an_admin_registers_a_doctor_whom_anyone_can_find_by_specialty_or_name(
    client, admin, sign_in, doctor
):
    created = client.post("/doctors", json=NEW_DOCTOR, headers=admin.headers)
    assert created.status_code == 201, created.text
    assert created.json()["email"] == "rui.lima@hospital.example"

    nurse = sign_in(Role.NURSE)
    by_specialty = client.get("/doctors", params={"specialty": "neurology"}, headers=nurse.headers).json()
    assert [d["full_name"] for d in by_specialty] == ["Dr. Rui Lima"]
    by_name = client.get("/doctors", params={"q": "ana"}, headers=nurse.headers).json()
    assert [d["full_name"] for d in by_name] == ["Dr. Ana Costa"]
    # LIKE wildcards in the search are taken literally.
    assert client.get("/doctors", params={"q": "%"}, headers=nurse.headers).json() == []

    one = client.get(f"/doctors/{created.json()['id']}", headers=nurse.headers).json()
    assert one["time_zone"] == "America/New_York"


def test_an_admin_updates_a_doctor_and_the_change_is_audited(client, admin, doctor):
    answer = client.patch(
        f"/doctors/{doctor.id}", json={"default_slot_minutes": 15, "email": None}, headers=admin.headers
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["default_slot_minutes"] == 15
    assert "doctor.update" in audit_actions(client, admin, entity="doctor", entity_id=str(doctor.id))


def test_a_licence_number_is_registered_once(client, admin, doctor):
    answer = client.post(
        "/doctors", json={**NEW_DOCTOR, "license_number": doctor.license_number}, headers=admin.headers
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "duplicate"
    other = client.post("/doctors", json=NEW_DOCTOR, headers=admin.headers).json()
    taken = client.patch(
        f"/doctors/{other['id']}", json={"license_number": "CRM-1001"}, headers=admin.headers
    )
    assert taken.status_code == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"time_zone": "Mars/Olympus"}, "time_zone"),
        ({"default_slot_minutes": 4}, "default_slot_minutes"),
        ({"default_slot_minutes": 481}, "default_slot_minutes"),
        ({"email": "not-an-address"}, "email"),
        ({"full_name": "x" * 201}, "full_name"),
        ({"full_name": "   "}, "full_name"),
        ({"salary": 1}, "salary"),
    ],
)
def test_a_doctor_with_a_bad_field_is_refused_naming_the_field(client, admin, change, field):
    assert_invalid(client.post("/doctors", json={**NEW_DOCTOR, **change}, headers=admin.headers), field)


def test_a_required_field_cannot_be_patched_to_null(client, admin, doctor):
    assert_invalid(
        client.patch(f"/doctors/{doctor.id}", json={"full_name": None}, headers=admin.headers), "full_name"
    )


def test_unknown_and_malformed_ids_are_not_found_or_invalid_never_a_crash(client, admin):
    assert client.get(f"/doctors/{uuid.uuid4()}", headers=admin.headers).status_code == 404
    assert client.get("/doctors/not-a-uuid", headers=admin.headers).status_code == 422
    assert client.get("/patients/12345", headers=admin.headers).status_code == 422
    assert client.patch("/wards/%00", json={}, headers=admin.headers).status_code == 422
    assert client.get("/formulary/NOPE", headers=admin.headers).status_code == 404


# Availability

WEEKDAY_MORNINGS = {"rules": [{"weekday": d, "starts": "08:00", "ends": "12:00"} for d in range(1, 6)]}


def test_a_doctor_edits_his_own_availability_but_not_a_colleagues(client, admin, sign_in, doctor):
    colleague = client.post("/doctors", json=NEW_DOCTOR, headers=admin.headers).json()
    me = sign_in(Role.DOCTOR, doctor_id=doctor.id)

    other = client.put(
        f"/doctors/{colleague['id']}/availability/rules", json=WEEKDAY_MORNINGS, headers=me.headers
    )
    assert other.status_code == 403
    assert other.json()["error"]["code"] == "permission_denied"
    other_leave = client.post(
        f"/doctors/{colleague['id']}/availability/exceptions",
        json={"kind": "leave", "starts_at": "2025-08-01T00:00:00Z", "ends_at": "2025-08-02T00:00:00Z"},
        headers=me.headers,
    )
    assert other_leave.status_code == 403

    own = client.put(f"/doctors/{doctor.id}/availability/rules", json=WEEKDAY_MORNINGS, headers=me.headers)
    assert own.status_code == 200, own.text
    assert [(r["weekday"], r["starts"], r["ends"]) for r in own.json()["rules"]] == [
        (d, "08:00:00", "12:00:00") for d in range(1, 6)
    ]
    actions = audit_actions(client, admin, action="availability.rules.replace")
    assert actions == ["availability.rules.replace"]


def test_a_scheduler_may_replace_rules_and_a_nurse_may_not(client, sign_in, doctor):
    scheduler, nurse = sign_in(Role.SCHEDULER), sign_in(Role.NURSE)
    url = f"/doctors/{doctor.id}/availability/rules"
    assert client.put(url, json=WEEKDAY_MORNINGS, headers=scheduler.headers).status_code == 200
    assert client.put(url, json={"rules": []}, headers=nurse.headers).status_code == 403
    assert len(client.get(f"/doctors/{doctor.id}/availability", headers=nurse.headers).json()["rules"]) == 5


def test_replacing_rules_removes_the_old_ones(client, admin, doctor):
    url = f"/doctors/{doctor.id}/availability/rules"
    client.put(url, json=WEEKDAY_MORNINGS, headers=admin.headers)
    answer = client.put(
        url, json={"rules": [{"weekday": 3, "starts": "14:00", "ends": "18:00"}]}, headers=admin.headers
    )
    assert [(r["weekday"], r["starts"]) for r in answer.json()["rules"]] == [(3, "14:00:00")]


@pytest.mark.parametrize(
    ("rules", "field"),
    [
        (
            [
                {"weekday": 1, "starts": "08:00", "ends": "12:00"},
                {"weekday": 1, "starts": "11:00", "ends": "13:00"},
            ],
            "overlap",
        ),
        ([{"weekday": 8, "starts": "08:00", "ends": "12:00"}], "weekday"),
        ([{"weekday": 1, "starts": "12:00", "ends": "08:00"}], "starts must be before ends"),
        ([{"weekday": 1, "starts": "08:00+01:00", "ends": "12:00"}], "starts"),
        ([{"weekday": 1, "starts": "08:00", "ends": "12:00", "room_id": str(uuid.uuid4())}], "room_id"),
    ],
)
def test_bad_weekly_rules_are_refused(client, admin, doctor, rules, field):
    answer = client.put(
        f"/doctors/{doctor.id}/availability/rules", json={"rules": rules}, headers=admin.headers
    )
    assert_invalid(answer, field)


def test_the_same_hours_may_repeat_in_separate_validity_periods(client, admin, doctor):
    rules = [
        {"weekday": 1, "starts": "08:00", "ends": "12:00", "valid_until": "2025-06-30"},
        {"weekday": 1, "starts": "09:00", "ends": "13:00", "valid_from": "2025-07-01"},
    ]
    answer = client.put(
        f"/doctors/{doctor.id}/availability/rules", json={"rules": rules}, headers=admin.headers
    )
    assert answer.status_code == 200, answer.text


def test_an_exception_needs_an_offset_and_is_stored_in_utc(client, admin, doctor):
    url = f"/doctors/{doctor.id}/availability/exceptions"
    naive = client.post(
        url,
        json={"kind": "leave", "starts_at": "2025-08-01T00:00:00", "ends_at": "2025-08-02T00:00:00"},
        headers=admin.headers,
    )
    assert_invalid(naive, "starts_at")
    assert "time zone offset" in naive.json()["error"]["message"]

    created = client.post(
        url,
        json={
            "kind": "holiday",
            "starts_at": "2025-08-01T00:00:00+01:00",
            "ends_at": "2025-08-02T00:00:00+01:00",
            "note": "Summer",
        },
        headers=admin.headers,
    )
    assert created.status_code == 201, created.text
    assert created.json()["starts_at"] == "2025-07-31T23:00:00Z"

    exception_id = created.json()["id"]
    assert client.delete(f"{url}/{exception_id}", headers=admin.headers).status_code == 204
    assert client.delete(f"{url}/{exception_id}", headers=admin.headers).status_code == 404
    assert client.get(f"/doctors/{doctor.id}/availability", headers=admin.headers).json()["exceptions"] == []
    assert audit_actions(client, admin, entity="doctor") == [
        "availability.exception.delete",
        "availability.exception.create",
    ]


def test_open_windows_are_answered_in_utc_without_leave_days(client, admin, sign_in, doctor):
    client.put(f"/doctors/{doctor.id}/availability/rules", json=WEEKDAY_MORNINGS, headers=admin.headers)
    client.post(
        f"/doctors/{doctor.id}/availability/exceptions",
        json={
            "kind": "leave",
            "starts_at": "2025-07-15T00:00:00+01:00",
            "ends_at": "2025-07-16T00:00:00+01:00",
        },
        headers=admin.headers,
    )
    pharmacist = sign_in(Role.PHARMACIST)
    answer = client.get(
        f"/doctors/{doctor.id}/open-windows",
        params={"start": "2025-07-14T00:00:00Z", "end": "2025-07-17T00:00:00Z"},
        headers=pharmacist.headers,
    )
    assert answer.status_code == 200, answer.text
    # Lisbon is on summer time (UTC+1) in July: 08:00 local is 07:00 UTC. Tuesday the 15th is leave.
    assert answer.json()["windows"] == [
        {"starts_at": "2025-07-14T07:00:00Z", "ends_at": "2025-07-14T11:00:00Z"},
        {"starts_at": "2025-07-16T07:00:00Z", "ends_at": "2025-07-16T11:00:00Z"},
    ]


@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        ("2025-07-14T00:00:00", "2025-07-15T00:00:00Z", "offset"),
        ("2025-07-14T00:00:00Z", "2025-07-13T00:00:00Z", "end"),
        ("2025-01-01T00:00:00Z", "2025-03-05T00:00:00Z", "62 days"),
        ("0001-01-01T00:00:00+05:00", "0001-01-02T00:00:00+05:00", "1900"),
    ],
)
def test_open_windows_need_an_aware_short_ordered_range(client, admin, doctor, start, end, field):
    answer = client.get(
        f"/doctors/{doctor.id}/open-windows", params={"start": start, "end": end}, headers=admin.headers
    )
    assert_invalid(answer, field)


# Patients


def test_a_scheduler_registers_a_patient_with_a_normalised_mrn(client, sign_in, ward):
    scheduler = sign_in(Role.SCHEDULER)
    answer = client.post(
        "/patients", json={**NEW_PATIENT, "ward_id": str(ward.id)}, headers=scheduler.headers
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["mrn"] == "MRN-0042"

    nurse = sign_in(Role.NURSE)
    moved = client.patch(
        f"/patients/{answer.json()['id']}", json={"ward_id": None, "phone": None}, headers=nurse.headers
    )
    assert moved.status_code == 200, moved.text
    assert (moved.json()["ward_id"], moved.json()["phone"]) == (None, None)


def test_a_known_mrn_is_a_duplicate_whatever_its_case(client, admin):
    assert client.post("/patients", json=NEW_PATIENT, headers=admin.headers).status_code == 201
    again = client.post(
        "/patients", json={**NEW_PATIENT, "mrn": "MRN-0042", "full_name": "Other"}, headers=admin.headers
    )
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate"
    assert "MRN-0042" in again.json()["error"]["message"]


def test_changing_an_mrn_to_another_patients_is_a_duplicate(client, admin):
    client.post("/patients", json=NEW_PATIENT, headers=admin.headers)
    other = client.post("/patients", json={**NEW_PATIENT, "mrn": "MRN-0043"}, headers=admin.headers).json()
    answer = client.patch(f"/patients/{other['id']}", json={"mrn": "mrn-0042"}, headers=admin.headers)
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "duplicate"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"birth_date": (date.today() + timedelta(days=1)).isoformat()}, "birth_date"),
        ({"birth_date": "1889-12-31"}, "birth_date"),
        ({"mrn": "x"}, "mrn"),
        ({"phone": "call me"}, "phone"),
        ({"ward_id": str(uuid.uuid4())}, "ward_id"),
        ({"blood_type": "A+"}, "blood_type"),
    ],
)
def test_a_patient_with_a_bad_field_is_refused_naming_the_field(client, admin, change, field):
    assert_invalid(client.post("/patients", json={**NEW_PATIENT, **change}, headers=admin.headers), field)


def test_a_pharmacist_cannot_read_patients(client, admin, sign_in):
    patient = client.post("/patients", json=NEW_PATIENT, headers=admin.headers).json()
    pharmacist = sign_in(Role.PHARMACIST)
    assert client.get("/patients", headers=pharmacist.headers).status_code == 403
    assert client.get(f"/patients/{patient['id']}", headers=pharmacist.headers).status_code == 403
    assert (
        client.post("/patients", json={**NEW_PATIENT, "mrn": "P-2"}, headers=pharmacist.headers).status_code
        == 403
    )


def test_every_read_of_patient_data_is_in_the_audit_log(client, admin, sign_in, ward):
    patient = client.post(
        "/patients", json={**NEW_PATIENT, "ward_id": str(ward.id)}, headers=admin.headers
    ).json()
    doctor = sign_in(Role.NURSE)  # a nurse of the patient's ward
    found = client.get("/patients", params={"q": "joana"}, headers=doctor.headers)
    assert [p["id"] for p in found.json()] == [patient["id"]]
    assert client.get(f"/patients/{patient['id']}", headers=doctor.headers).status_code == 200

    entries = client.get("/audit", params={"entity": "patient"}, headers=admin.headers).json()["entries"]
    reads = [(e["action"], e["username"]) for e in entries if e["action"].startswith("patient.")]
    assert reads == [
        ("patient.read", doctor.user.username),
        ("patient.search", doctor.user.username),
        ("patient.create", admin.user.username),
    ]
    search = next(e for e in entries if e["action"] == "patient.search")
    assert search["details"]["patient_ids"] == [patient["id"]]
    assert next(e for e in entries if e["action"] == "patient.read")["entity_id"] == patient["id"]


# Formulary


def test_a_pharmacist_adds_and_updates_a_medication_that_everyone_can_look_up(client, sign_in):
    pharmacist, nurse = sign_in(Role.PHARMACIST), sign_in(Role.NURSE)
    created = client.post("/formulary", json=NEW_MEDICATION, headers=pharmacist.headers)
    assert created.status_code == 201, created.text
    assert created.json()["code"] == "AMOX-500"

    stopped = client.patch(
        "/formulary/amox-500", json={"active": False, "pack_size": 20}, headers=pharmacist.headers
    )
    assert (stopped.json()["active"], stopped.json()["pack_size"]) == (False, 20)

    assert [
        m["code"] for m in client.get("/formulary", params={"q": "amoxi"}, headers=nurse.headers).json()
    ] == ["AMOX-500"]
    assert client.get("/formulary", params={"active": True}, headers=nurse.headers).json() == []
    assert client.get("/formulary/AMOX-500", headers=nurse.headers).json()["strength"] == "500 mg"


def test_only_pharmacists_and_admins_edit_the_formulary(client, sign_in):
    nurse = sign_in(Role.NURSE)
    assert client.post("/formulary", json=NEW_MEDICATION, headers=nurse.headers).status_code == 403


def test_a_medication_code_is_added_once_and_its_fields_are_checked(client, sign_in):
    pharmacist = sign_in(Role.PHARMACIST)
    client.post("/formulary", json=NEW_MEDICATION, headers=pharmacist.headers)
    again = client.post("/formulary", json=NEW_MEDICATION, headers=pharmacist.headers)
    assert again.status_code == 409
    assert again.json()["error"]["code"] == "duplicate"
    assert_invalid(
        client.post("/formulary", json={**NEW_MEDICATION, "form": "gas"}, headers=pharmacist.headers), "form"
    )
    assert_invalid(
        client.post(
            "/formulary", json={**NEW_MEDICATION, "code": "X2", "pack_size": 0}, headers=pharmacist.headers
        ),
        "pack_size",
    )
