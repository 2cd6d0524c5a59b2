"""Bulk import of the hospital directory from CSV files (`warddesk-server import KIND FILE.csv`).

The file is UTF-8 (a byte-order mark, as Excel writes it, is fine) with a header row naming the
columns; column order is free and header names are case-insensitive. Every row is checked first:
if any row is bad, the report names each problem (line, column, what is wrong) and NOTHING is
written. Otherwise all rows are inserted in one transaction, audited as one entry.

Columns per kind (* = required):

  patients   mrn*, full_name*, birth_date* (YYYY-MM-DD), email, phone, ward_code
  doctors    license_number*, full_name*, specialty*, time_zone* (IANA, e.g. Europe/Lisbon), email,
             default_slot_minutes (5-480, default 20), active (true/false, default true)
  wards      code*, name*, floor, active
  rooms      name*, ward_code, kind (default consultation), active
  formulary  code*, name*, form* (tablet, capsule, injection...), strength* (e.g. 500 mg),
             unit* (the unit wards order in: tablet, vial, ampoule...), pack_size (default 1), active

Unique within the file and against the database: a patient's mrn, a doctor's license_number, a
ward's code, a room's name, a medication's code. A ward_code must name a ward already in the database.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import InstrumentedAttribute, Session, sessionmaker

from shared.rules import (
    DispensingUnit,
    DosageForm,
    check_birth_date,
    check_email,
    check_medication_code,
    check_phone,
    check_time_zone,
    check_ward_code,
    normalise_mrn,
)
from sync_server.audit import service as audit
from sync_server.core.context import ClientInfo
from sync_server.core.db import Base, transaction
from sync_server.directory.models import Doctor, Medication, Patient, Room, Ward

MAX_ROWS = 100_000
MAX_FILE_BYTES = 50 * 1024 * 1024
# Rows per INSERT round trip and per IN (...) look-up: bounded so huge files stay within protocol limits.
_CHUNK = 5_000
CLI_CLIENT = ClientInfo(address="", name="warddesk-server cli")

T = TypeVar("T")
Tracker = Callable[[Iterable[T], str, int], Iterable[T]]


def _no_progress(items: Iterable[T], _description: str, _total: int) -> Iterable[T]:
    return items


def _text(value: str) -> str:
    return value


def _boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in ("true", "yes", "y", "1"):
        return True
    if lowered in ("false", "no", "n", "0"):
        return False
    raise ValueError("must be true or false")


def _slot_minutes(value: str) -> int:
    try:
        minutes = int(value)
    except ValueError:
        raise ValueError("must be a whole number of minutes") from None
    if not 5 <= minutes <= 480:
        raise ValueError("must be between 5 and 480 minutes")
    return minutes


def _pack_size(value: str) -> int:
    try:
        size = int(value)
    except ValueError:
        raise ValueError("must be a whole number") from None
    if not 1 <= size <= 100_000:
        raise ValueError("must be between 1 and 100000")
    return size


def _birth_date(value: str) -> date:
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise ValueError("must be a date written YYYY-MM-DD") from None
    return check_birth_date(parsed)


def _choice(enum: type[StrEnum]) -> Callable[[str], StrEnum]:
    def parse(value: str) -> StrEnum:
        try:
            return enum(value.lower())
        except ValueError:
            raise ValueError(f"must be one of: {', '.join(m.value for m in enum)}") from None

    return parse


@dataclass(frozen=True)
class Column:
    """One CSV column: how its text becomes a value, and what it may hold."""

    name: str
    parse: Callable[[str], Any] = _text
    required: bool = False
    max_length: int = 200
    help: str = ""


@dataclass(frozen=True)
class ImportKind:
    """What one `KIND` imports: its model, columns and the natural key that must be unique."""

    name: str
    model: type[Base]
    columns: tuple[Column, ...]
    key: str
    key_attribute: InstrumentedAttribute[Any]

    def column_help(self) -> str:
        parts = []
        for column in self.columns:
            text = column.name + ("*" if column.required else "")
            parts.append(f"{text} ({column.help})" if column.help else text)
        return ", ".join(parts)


WARD_CODE = Column("ward_code", check_ward_code, max_length=16, help="a ward already in the database")
ACTIVE = Column("active", _boolean, max_length=5, help="true/false, default true")

KINDS: dict[str, ImportKind] = {
    kind.name: kind
    for kind in (
        ImportKind(
            name="patients",
            model=Patient,
            columns=(
                Column("mrn", normalise_mrn, required=True, max_length=32, help="medical record number"),
                Column("full_name", required=True),
                Column("birth_date", _birth_date, required=True, max_length=10, help="YYYY-MM-DD"),
                Column("email", check_email, max_length=254),
                Column("phone", check_phone, max_length=32),
                WARD_CODE,
            ),
            key="mrn",
            key_attribute=Patient.mrn,
        ),
        ImportKind(
            name="doctors",
            model=Doctor,
            columns=(
                Column("license_number", required=True, max_length=32),
                Column("full_name", required=True),
                Column("specialty", required=True, max_length=120),
                Column("time_zone", check_time_zone, required=True, max_length=64, help="e.g. Europe/Lisbon"),
                Column("email", check_email, max_length=254),
                Column("default_slot_minutes", _slot_minutes, max_length=3, help="5-480, default 20"),
                ACTIVE,
            ),
            key="license_number",
            key_attribute=Doctor.license_number,
        ),
        ImportKind(
            name="wards",
            model=Ward,
            columns=(
                Column("code", check_ward_code, required=True, max_length=16),
                Column("name", required=True, max_length=120),
                Column("floor", max_length=32),
                ACTIVE,
            ),
            key="code",
            key_attribute=Ward.code,
        ),
        ImportKind(
            name="rooms",
            model=Room,
            columns=(
                Column("name", required=True, max_length=120),
                WARD_CODE,
                Column("kind", str.lower, max_length=32, help="default consultation"),
                ACTIVE,
            ),
            key="name",
            key_attribute=Room.name,
        ),
        ImportKind(
            name="formulary",
            model=Medication,
            columns=(
                Column("code", check_medication_code, required=True, max_length=32),
                Column("name", required=True),
                Column(
                    "form",
                    _choice(DosageForm),
                    required=True,
                    max_length=32,
                    help=", ".join(m.value for m in DosageForm),
                ),
                Column("strength", required=True, max_length=64, help="e.g. 500 mg"),
                Column(
                    "unit",
                    _choice(DispensingUnit),
                    required=True,
                    max_length=32,
                    help=", ".join(m.value for m in DispensingUnit),
                ),
                Column("pack_size", _pack_size, max_length=6, help="default 1"),
                ACTIVE,
            ),
            key="code",
            key_attribute=Medication.code,
        ),
    )
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the file: line 1 is the header; column is None for a whole-row problem."""

    line: int
    column: str | None
    problem: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.problem}"


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    written: int = 0
    dry_run: bool = False
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class _Row:
    line: int
    values: dict[str, Any]


class ImportFileError(Exception):
    """The file cannot be read at all (missing, too large, not UTF-8)."""


def read_csv_text(path: Path) -> str:
    """The file's text, BOM removed. Raises ImportFileError when it is unreadable, too big or not UTF-8."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise ImportFileError(f"{path} is {size} bytes; the limit is {MAX_FILE_BYTES} bytes")
        return path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ImportFileError(f"{path} is not UTF-8 text (byte {exc.start}): save it as CSV UTF-8") from exc
    except OSError as exc:
        raise ImportFileError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _parse(kind: ImportKind, text: str, report: ImportReport, track: Tracker[Any]) -> list[_Row]:
    """Rows checked one by one against the rules; every problem goes into the report."""
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        report.problems.append(Problem(1, None, "the file is empty; the first line must name the columns"))
        return []
    except csv.Error as exc:
        report.problems.append(Problem(1, None, f"not valid CSV: {exc}"))
        return []
    names = [name.strip().lower() for name in header]
    known = {column.name for column in kind.columns}
    for name in names:
        if name not in known:
            report.problems.append(
                Problem(
                    1,
                    name or "(blank)",
                    f"unknown column for {kind.name}; expected: {', '.join(sorted(known))}",
                )
            )
    for column in kind.columns:
        if column.required and column.name not in names:
            report.problems.append(Problem(1, column.name, "required column is missing from the header"))
    for name in {n for n in names if names.count(n) > 1}:
        report.problems.append(Problem(1, name, "column appears more than once in the header"))
    if report.problems:
        return []

    try:
        records = [(reader.line_num, record) for record in reader if any(cell.strip() for cell in record)]
    except csv.Error as exc:
        report.problems.append(Problem(reader.line_num, None, f"not valid CSV: {exc}"))
        return []
    if len(records) > MAX_ROWS:
        report.problems.append(Problem(1, None, f"{len(records)} rows; at most {MAX_ROWS} per file"))
        return []
    report.rows = len(records)

    rows: list[_Row] = []
    first_line_of: dict[Any, int] = {}
    for line, record in track(records, f"Checking {kind.name}", len(records)):
        if len(record) != len(names):
            report.problems.append(
                Problem(line, None, f"has {len(record)} values but the header names {len(names)} columns")
            )
            continue
        cells = dict(zip(names, record, strict=True))
        values: dict[str, Any] = {}
        for column in kind.columns:
            raw = cells.get(column.name, "").strip()
            if not raw:
                if column.required:
                    report.problems.append(Problem(line, column.name, "is required"))
                continue
            if len(raw) > column.max_length:
                report.problems.append(
                    Problem(line, column.name, f"is {len(raw)} characters long; at most {column.max_length}")
                )
                continue
            try:
                values[column.name] = column.parse(raw)
            except ValueError as exc:
                report.problems.append(Problem(line, column.name, str(exc)))
        key = values.get(kind.key)
        if key is not None:
            if key in first_line_of:
                report.problems.append(
                    Problem(
                        line,
                        kind.key,
                        f"{key} appears twice in the file (first on line {first_line_of[key]})",
                    )
                )
            else:
                first_line_of[key] = line
        rows.append(_Row(line, values))
    return rows


def _chunks(items: Sequence[T]) -> Iterable[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _check_against_database(
    session: Session, kind: ImportKind, rows: list[_Row], report: ImportReport
) -> None:
    keys = [row.values[kind.key] for row in rows if kind.key in row.values]
    existing: set[Any] = set()
    for chunk in _chunks(keys):
        existing.update(session.scalars(select(kind.key_attribute).where(kind.key_attribute.in_(chunk))))
    for row in rows:
        if row.values.get(kind.key) in existing:
            report.problems.append(
                Problem(row.line, kind.key, f"{row.values[kind.key]} is already in the database")
            )

    codes = sorted({row.values["ward_code"] for row in rows if "ward_code" in row.values})
    ward_ids: dict[str, Any] = {}
    for chunk in _chunks(codes):
        for found, ward_id in session.execute(select(Ward.code, Ward.id).where(Ward.code.in_(chunk))):
            ward_ids[found] = ward_id
    for row in rows:
        wanted = row.values.get("ward_code")
        if wanted is None:
            continue
        if wanted in ward_ids:
            row.values["ward_id"] = ward_ids[wanted]
        else:
            report.problems.append(Problem(row.line, "ward_code", f"there is no ward {wanted}"))


def _insert(session: Session, kind: ImportKind, rows: list[_Row], track: Tracker[Any]) -> int:
    records = [{name: value for name, value in row.values.items() if name != "ward_code"} for row in rows]
    written = 0
    for chunk in track(list(_chunks(records)), f"Writing {kind.name}", (len(records) + _CHUNK - 1) // _CHUNK):
        # Rows in one executemany must share their keys; group by which optional columns are present.
        by_shape: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for record in chunk:
            by_shape.setdefault(tuple(sorted(record)), []).append(record)
        for group in by_shape.values():
            session.execute(insert(kind.model), group)
            written += len(group)
    return written


def import_csv(
    factory: sessionmaker[Session],
    *,
    kind: str,
    path: Path,
    dry_run: bool = False,
    track: Tracker[Any] = _no_progress,
) -> ImportReport:
    """Check every row of `path`, then insert all of them in one transaction, or none.

    Returns the report; `report.ok` is False (and nothing was written) when any row is bad.
    Raises KeyError for an unknown kind and ImportFileError when the file cannot be read.
    """
    spec = KINDS[kind]
    report = ImportReport(kind=kind, dry_run=dry_run)
    rows = _parse(spec, read_csv_text(path), report, track)
    if not rows:
        return report
    with transaction(factory) as session:
        # Checked even when some rows are already known bad, so one run reports every problem.
        _check_against_database(session, spec, rows, report)
        if report.problems or dry_run:
            report.problems.sort(key=lambda p: p.line)
            session.rollback()
            return report
        try:
            report.written = _insert(session, spec, rows, track)
            session.flush()
        except IntegrityError as exc:
            # Someone else wrote a clashing row between our check and our insert.
            session.rollback()
            report.written = 0
            report.problems.append(Problem(0, None, f"the database refused the rows: {exc.orig}"))
            return report
        audit.record(
            session,
            actor=None,
            username="cli",
            client=CLI_CLIENT,
            action=f"{spec.model.__tablename__}.import",
            entity=spec.model.__tablename__,
            details={"kind": kind, "rows": report.written, "file": path.name},
        )
    return report
