from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner, Result

from shared.roles import Role
from shared.rules import check_email, check_phone, normalise_mrn
from sync_server.audit.models import AuditEntry
from sync_server.auth.models import User
from sync_server.auth.passwords import verify_password
from sync_server.cli import app
from sync_server.core.db import transaction
from sync_server.demo import data
from sync_server.demo.builder import demo_patients
from sync_server.directory.models import AvailabilityException, Doctor, Medication, Patient, Ward

COMMANDS = [
    "serve",
    "migrate",
    "create-user",
    "import",
    "sync-backfill",
    "sync-refresh-scopes",
    "sync-compact",
    "restored",
    "demo-data",
    "demo",
    "relay",
    "worker",
]
GOOD_PASSWORD = "a-long-enough-password"


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, database_url: str, session_factory: sessionmaker[Session]):  # type: ignore[no-untyped-def]
    """Runs `warddesk-server ARGS` against the test database, as an operator would."""
    monkeypatch.setenv("WARDDESK_DATABASE_URL", database_url)
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, list(args), input=input)

    return run


def users(factory: sessionmaker[Session]) -> dict[str, User]:
    with transaction(factory) as session:
        return {user.username: user for user in session.scalars(select(User))}


def count(factory: sessionmaker[Session], model: type) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_explains_itself(command: str) -> None:
    result = CliRunner().invoke(app, [command, "--help"])

    assert result.exit_code == 0, result.output
    assert "Usage" in result.output


def test_import_help_lists_the_columns_of_every_kind() -> None:
    result = CliRunner().invoke(app, ["import", "--help"], terminal_width=200)

    for expected in ("mrn*", "license_number*", "ward_code", "pack_size", "formulary:"):
        assert expected in result.output


def test_create_user_creates_an_administrator_who_can_sign_in_with_that_password(
    cli, session_factory
) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "create-user",
        "--username",
        "Chief",
        "--full-name",
        "Clara Chief",
        "--role",
        "admin",
        "--password",
        GOOD_PASSWORD,
    )

    assert result.exit_code == 0, result.output
    chief = users(session_factory)["chief"]
    assert chief.role is Role.ADMIN and chief.full_name == "Clara Chief"
    assert verify_password(chief.password_hash, GOOD_PASSWORD)
    with transaction(session_factory) as session:
        audit = session.scalars(select(AuditEntry).where(AuditEntry.action == "user.create")).one()
    assert audit.username == "cli" and audit.entity_id == str(chief.id)


def test_create_user_links_a_nurse_to_her_wards_and_a_doctor_to_his_record(  # type: ignore[no-untyped-def]
    cli, session_factory, ward: Ward, doctor: Doctor
) -> None:
    nurse = cli(
        "create-user",
        "--username",
        "nina",
        "--full-name",
        "Nina Nurse",
        "--role",
        "nurse",
        "--ward",
        ward.code.lower(),
        "--password",
        GOOD_PASSWORD,
    )
    doc = cli(
        "create-user",
        "--username",
        "dr.costa",
        "--full-name",
        "Ana Costa",
        "--role",
        "doctor",
        "--doctor-license",
        doctor.license_number,
        "--password",
        GOOD_PASSWORD,
    )

    assert nurse.exit_code == 0, nurse.output
    assert doc.exit_code == 0, doc.output
    created = users(session_factory)
    assert created["nina"].ward_ids == [ward.id]
    assert created["dr.costa"].doctor_id == doctor.id


def test_create_user_asks_for_the_password_twice_when_not_given(cli, session_factory) -> None:  # type: ignore[no-untyped-def]
    result = cli(
        "create-user",
        "--username",
        "sam",
        "--full-name",
        "Sam Scheduler",
        "--role",
        "scheduler",
        input=f"{GOOD_PASSWORD}\n{GOOD_PASSWORD}\n",
    )

    assert result.exit_code == 0, result.output
    assert GOOD_PASSWORD not in result.output
    assert verify_password(users(session_factory)["sam"].password_hash, GOOD_PASSWORD)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--username", "ok", "--role", "admin", "--password", "short"], "at least 10 characters"),
        (["--username", "Bad Name!", "--role", "admin", "--password", GOOD_PASSWORD], "--username"),
        (["--username", "nina", "--role", "nurse", "--password", GOOD_PASSWORD], "at least one ward"),
        (["--username", "doc", "--role", "doctor", "--password", GOOD_PASSWORD], "doctor record"),
        (
            ["--username", "nina", "--role", "nurse", "--ward", "NOWHERE", "--password", GOOD_PASSWORD],
            "no ward with code NOWHERE",
        ),
        (
            ["--username", "doc", "--role", "doctor", "--doctor-license", "X-0", "--password", GOOD_PASSWORD],
            "no doctor with licence number",
        ),
    ],
)
def test_create_user_refuses_bad_input_with_a_clear_message_and_creates_nobody(  # type: ignore[no-untyped-def]
    cli, session_factory, args: list[str], message: str
) -> None:
    result = cli("create-user", "--full-name", "Some One", *args)

    assert result.exit_code == 1
    assert message in result.output
    assert users(session_factory) == {}


def test_create_user_refuses_a_taken_user_name(cli, session_factory) -> None:  # type: ignore[no-untyped-def]
    first = cli(
        "create-user",
        "--username",
        "rita",
        "--full-name",
        "Rita",
        "--role",
        "pharmacist",
        "--password",
        GOOD_PASSWORD,
    )
    second = cli(
        "create-user",
        "--username",
        "rita",
        "--full-name",
        "Rita Again",
        "--role",
        "admin",
        "--password",
        GOOD_PASSWORD,
    )

    assert first.exit_code == 0 and second.exit_code == 1
    assert "taken" in second.output
    assert users(session_factory)["rita"].full_name == "Rita"


def test_import_through_the_cli_writes_a_good_file_and_rejects_a_bad_one(  # type: ignore[no-untyped-def]
    cli, session_factory, tmp_path: Path
) -> None:
    good = tmp_path / "wards.csv"
    good.write_text("code,name,floor\nMED3,Ward 3 - Internal Medicine,3\nSUR2,Ward 2 - Surgery,2\n")
    bad = tmp_path / "more.csv"
    bad.write_text("code,name\nPED1,Paediatrics\nMED3,Duplicate\n")

    dry = cli("import", "wards", str(good), "--dry-run")
    imported = cli("import", "wards", str(good))
    rejected = cli("import", "wards", str(bad))

    assert dry.exit_code == 0 and "dry run" in dry.output
    assert imported.exit_code == 0 and "Imported 2 wards" in imported.output
    assert rejected.exit_code == 1
    assert "MED3 is already in the database" in rejected.output and "nothing was written" in rejected.output
    assert count(session_factory, Ward) == 2


def test_import_refuses_an_unknown_kind_and_a_missing_file(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    assert "unknown kind" in cli("import", "nurses", str(tmp_path / "x.csv")).output
    missing = cli("import", "wards", str(tmp_path / "nowhere.csv"))
    assert missing.exit_code == 1 and "cannot read" in missing.output


def test_demo_data_loads_the_demo_hospital_once_and_its_users_can_sign_in(  # type: ignore[no-untyped-def]
    cli, session_factory, client: TestClient
) -> None:
    first = cli("demo-data")
    second = cli("demo-data")

    assert first.exit_code == 0, first.output
    assert "demo-nurse-2026" in first.output
    assert second.exit_code == 0 and "already loaded" in second.output
    assert count(session_factory, Ward) == 4
    assert count(session_factory, Doctor) == 6
    assert count(session_factory, Patient) == data.DEMO_PATIENTS
    assert count(session_factory, Medication) >= 40
    assert count(session_factory, AvailabilityException) == 1
    assert set(users(session_factory)) == {"admin", "scheduler", "pharmacist", "doctor", "nurse"}
    for demo_user in data.USERS:
        answer = client.post(
            "/auth/token",
            data={"grant_type": "password", "username": demo_user.username, "password": demo_user.password},
        )
        assert answer.status_code == 200, answer.text
    nurse = users(session_factory)["nurse"]
    assert len(nurse.ward_ids) == 2


def test_demo_data_reset_starts_over_and_a_clashing_database_is_refused(cli, session_factory) -> None:  # type: ignore[no-untyped-def]
    with transaction(session_factory) as session:
        session.add(Ward(code="MED3", name="A ward the hospital already has"))

    refused = cli("demo-data")
    reset = cli("demo-data", "--reset", "--yes")

    assert refused.exit_code == 1 and "--reset" in refused.output
    assert reset.exit_code == 0, reset.output
    with transaction(session_factory) as session:
        assert (
            session.scalars(select(Ward.name).where(Ward.code == "MED3")).one()
            == "Ward 3 - Internal Medicine"
        )


def test_demo_patients_are_the_same_every_time_and_pass_the_shared_rules() -> None:
    patients = demo_patients()

    assert patients == demo_patients()
    assert len({p.mrn for p in patients}) == len(patients) == data.DEMO_PATIENTS
    for patient in patients:
        assert normalise_mrn(patient.mrn) == patient.mrn
        assert patient.email is None or check_email(patient.email) == patient.email
        assert patient.phone is None or check_phone(patient.phone) == patient.phone


def test_demo_data_gives_the_demo_patients_their_histories_once(  # type: ignore[no-untyped-def]
    cli, session_factory, client: TestClient
) -> None:
    """The demo's appointments are written straight into the tables: their patients' histories are told
    of them as the events would have (booked, then attended or cancelled), and the doctor reads them."""
    from sync_server.booking.models import Appointment
    from sync_server.history.models import HistoryRow

    loaded = cli("demo-data")

    assert loaded.exit_code == 0, loaded.output
    with transaction(session_factory) as session:
        appointments = session.scalars(select(Appointment)).all()
        entries = session.scalar(select(func.count()).select_from(HistoryRow)) or 0
        ended = [a for a in appointments if a.status in ("completed", "cancelled")]
    doctor_id = users(session_factory)["doctor"].doctor_id
    # The demo's day decides which of his appointments are behind him; the one read is any of his.
    mine = next(a for a in sorted(appointments, key=lambda a: a.starts_at) if a.doctor_id == doctor_id)
    assert entries == len(appointments) + len(ended) > 0
    doctor = next(u for u in data.USERS if u.username == "doctor")
    token = client.post(
        "/auth/token", data={"grant_type": "password", "username": "doctor", "password": doctor.password}
    ).json()["access_token"]
    answer = client.get(f"/patients/{mine.patient_id}/history", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200, answer.text
    kinds = {(e["event_type"], e["subject_id"]) for e in answer.json()["entries"]}
    assert ("appointment.confirmed", str(mine.id)) in kinds
    if mine.status == "completed":
        assert ("appointment.attended", str(mine.id)) in kinds
