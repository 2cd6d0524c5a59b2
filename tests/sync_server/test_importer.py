from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from shared.rules import DosageForm
from sync_server.audit.models import AuditEntry
from sync_server.core.db import transaction
from sync_server.directory.importer import ImportFileError, Problem, import_csv
from sync_server.directory.models import Doctor, Medication, Patient, Room, Ward

GOOD_FILES = {
    "wards": (Ward, "code,name,floor\nMED3,Ward 3 - Internal Medicine,3\nSUR2,Ward 2 - Surgery,2\n"),
    "rooms": (Room, "name,ward_code,kind\nMED3 Consultation 1,W3,consultation\nOutpatients A,,\n"),
    "doctors": (
        Doctor,
        "license_number,full_name,specialty,time_zone,email,default_slot_minutes\n"
        "OM-1,Dr. Rui Pinto,Cardiology,Europe/Lisbon,rui.pinto@hospital.example,15\n"
        "OM-2,Dr. Jane Doe,Neurology,Europe/London,,\n",
    ),
    "patients": (
        Patient,
        "mrn,full_name,birth_date,email,phone,ward_code\n"
        "mrn-1,Maria Silva,1950-04-02,maria@example.pt,+351 912 345 678,W3\n"
        'MRN-2,"Smith, John",1988-11-30,,,\n',
    ),
    "formulary": (
        Medication,
        "code,name,form,strength,unit,pack_size\n"
        "PARA-500,Paracetamol,tablet,500 mg,tablet,20\n"
        "HEP-5000,Heparin sodium,Injection,5000 IU/ml,vial,\n",
    ),
}


def write(tmp_path: Path, text: str, *, name: str = "rows.csv", bom: bool = False) -> Path:
    path = tmp_path / name
    path.write_bytes((b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8"))
    return path


def count(factory: sessionmaker[Session], model: type) -> int:
    with transaction(factory) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.mark.parametrize("kind", sorted(GOOD_FILES))
def test_a_good_file_of_each_kind_imports_every_row(
    kind: str, tmp_path: Path, session_factory: sessionmaker[Session], ward: Ward
) -> None:
    model, text = GOOD_FILES[kind]
    before = count(session_factory, model)

    report = import_csv(session_factory, kind=kind, path=write(tmp_path, text))

    assert report.ok, report.problems
    assert report.written == 2
    assert count(session_factory, model) == before + 2


def test_imported_values_are_normalised_and_linked_to_their_ward(
    tmp_path: Path, session_factory: sessionmaker[Session], ward: Ward
) -> None:
    import_csv(session_factory, kind="patients", path=write(tmp_path, GOOD_FILES["patients"][1]))
    import_csv(session_factory, kind="formulary", path=write(tmp_path, GOOD_FILES["formulary"][1]))

    with transaction(session_factory) as session:
        maria = session.scalars(select(Patient).where(Patient.mrn == "MRN-1")).one()
        heparin = session.get(Medication, "HEP-5000")
    assert maria.ward_id == ward.id
    assert heparin is not None and heparin.form is DosageForm.INJECTION and heparin.pack_size == 1


def test_one_bad_row_among_good_ones_writes_nothing_and_names_its_line_and_column(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = write(
        tmp_path,
        "mrn,full_name,birth_date,email\n"
        "MRN-1,Maria Silva,1950-04-02,maria@example.pt\n"
        "MRN-2,Rui Costa,02/04/1950,rui@example.pt\n"
        "MRN-3,Ana Reis,1961-07-15,\n",
    )

    report = import_csv(session_factory, kind="patients", path=path)

    assert not report.ok
    assert report.written == 0
    assert report.problems == [Problem(3, "birth_date", "must be a date written YYYY-MM-DD")]
    assert count(session_factory, Patient) == 0


def test_a_failed_import_leaves_no_audit_entry_and_a_good_one_leaves_exactly_one(
    tmp_path: Path, session_factory: sessionmaker[Session], ward: Ward
) -> None:
    bad = write(tmp_path, "code,name\n,Nameless\n", name="bad.csv")
    import_csv(session_factory, kind="wards", path=bad)
    assert count(session_factory, AuditEntry) == 0

    import_csv(session_factory, kind="wards", path=write(tmp_path, GOOD_FILES["wards"][1]))

    with transaction(session_factory) as session:
        entries = session.scalars(select(AuditEntry)).all()
    assert [(e.action, e.username, e.details["rows"]) for e in entries] == [("wards.import", "cli", 2)]


def test_duplicates_within_the_file_are_reported_with_the_first_line(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = write(tmp_path, "code,name\nMED3,Medicine\nSUR2,Surgery\nmed3,Medicine again\n")

    report = import_csv(session_factory, kind="wards", path=path)

    assert report.problems == [Problem(4, "code", "MED3 appears twice in the file (first on line 2)")]
    assert count(session_factory, Ward) == 0


def test_duplicates_against_the_database_and_unknown_wards_are_reported(
    tmp_path: Path, session_factory: sessionmaker[Session], ward: Ward, doctor: Doctor
) -> None:
    patients = write(tmp_path, "mrn,full_name,birth_date,ward_code\nMRN-9,Ana,1961-07-15,NOPE\n", name="p")
    doctors = write(
        tmp_path,
        f"license_number,full_name,specialty,time_zone\n{doctor.license_number},Dr. Copy,Cardiology,UTC\n",
        name="d.csv",
    )
    wards = write(tmp_path, f"code,name\n{ward.code},Copy\n", name="w.csv")

    assert import_csv(session_factory, kind="patients", path=patients).problems == [
        Problem(2, "ward_code", "there is no ward NOPE")
    ]
    assert import_csv(session_factory, kind="doctors", path=doctors).problems == [
        Problem(2, "license_number", f"{doctor.license_number} is already in the database")
    ]
    assert import_csv(session_factory, kind="wards", path=wards).problems == [
        Problem(2, "code", f"{ward.code} is already in the database")
    ]


def test_a_byte_order_mark_is_tolerated(tmp_path: Path, session_factory: sessionmaker[Session]) -> None:
    path = write(tmp_path, GOOD_FILES["wards"][1], bom=True)

    report = import_csv(session_factory, kind="wards", path=path)

    assert report.ok and report.written == 2


def test_unknown_and_missing_columns_are_reported_on_the_header_line(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = write(tmp_path, "code,form,strength,unit,colour\nPARA,tablet,500 mg,tablet,white\n")

    report = import_csv(session_factory, kind="formulary", path=path)

    assert {(p.line, p.column) for p in report.problems} == {(1, "colour"), (1, "name")}
    assert count(session_factory, Medication) == 0


def test_a_row_with_the_wrong_number_of_values_is_reported(
    tmp_path: Path, session_factory: sessionmaker[Session]
) -> None:
    path = write(tmp_path, "code,name\nMED3,Medicine,extra\n")

    report = import_csv(session_factory, kind="wards", path=path)

    assert report.problems == [Problem(2, None, "has 3 values but the header names 2 columns")]


def test_a_dry_run_checks_but_writes_nothing(tmp_path: Path, session_factory: sessionmaker[Session]) -> None:
    path = write(tmp_path, GOOD_FILES["wards"][1])

    report = import_csv(session_factory, kind="wards", path=path, dry_run=True)

    assert report.ok and report.rows == 2 and report.written == 0
    assert count(session_factory, Ward) == 0


def test_a_file_that_is_not_utf8_is_refused(tmp_path: Path, session_factory: sessionmaker[Session]) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("code,name\nMED3,Medicina Geral e Família\n".encode("latin-1"))

    with pytest.raises(ImportFileError, match="not UTF-8"):
        import_csv(session_factory, kind="wards", path=path)
