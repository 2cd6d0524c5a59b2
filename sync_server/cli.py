"""`warddesk-server`: run, migrate and administer the WardDesk sync server.

The database is WARDDESK_DATABASE_URL; when it is unset, an embedded PostgreSQL under the data
directory (WARDDESK_DATA_DIR) is started and used, which is what the demo relies on.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, NoReturn, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import track as rich_track
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from shared.roles import Role
from shared.rules import check_password_strength, check_username, check_ward_code
from sync_server.core.config import Environment, Settings
from sync_server.core.db import make_engine, make_session_factory, transaction
from sync_server.core.migrations import database_status, upgrade
from sync_server.directory.importer import KINDS, ImportFileError, import_csv

T = TypeVar("T")

app = typer.Typer(
    name="warddesk-server",
    help=(
        "Run, migrate and administer the WardDesk sync server. The database is WARDDESK_DATABASE_URL; "
        "when it is unset, an embedded PostgreSQL under WARDDESK_DATA_DIR is started and used."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
out = Console(highlight=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, soft_wrap=True)

DESKTOP_NOTICE = (
    "Desktop: `warddesk --server <the address above>` (or `make demo`, which opens it signed in as the "
    "scheduler). The API is documented at the /docs address above."
)


def _fail(message: str) -> NoReturn:
    err.print(f"[bold red]error:[/] {message}")
    raise typer.Exit(1)


def _settings() -> Settings:
    try:
        return Settings()
    except ValidationError as exc:
        problems = "; ".join(str(e["msg"]) for e in exc.errors())
        _fail(f"the WARDDESK_* settings are not valid: {problems}")


def _database_url(settings: Settings) -> str:
    """WARDDESK_DATABASE_URL, or the embedded PostgreSQL (started when needed)."""
    from sync_server.app import resolve_database_url

    if settings.database_url is None:
        out.print(f"WARDDESK_DATABASE_URL is not set: using the embedded PostgreSQL in {settings.data_dir}")
    try:
        with warnings.catch_warnings():
            # platformdirs warns about XDG_RUNTIME_DIR on servers without a login session: harmless here.
            warnings.filterwarnings("ignore", message="XDG_RUNTIME_DIR is not set")
            return resolve_database_url(settings)
    except RuntimeError as exc:
        _fail(str(exc))


def _migrate(url: str) -> str:
    from sqlalchemy.exc import OperationalError

    try:
        upgrade(url)
    except OperationalError as exc:
        _fail(f"cannot reach the database: {exc.orig}")
    engine = make_engine(url, pool_size=1)
    try:
        return database_status(engine)[1]
    finally:
        engine.dispose()


@contextmanager
def _sessions(url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on a database that is reachable and at the schema this build ships; exits otherwise."""
    engine = make_engine(url, pool_size=2)
    try:
        ready, why = database_status(engine)
        if not ready:
            _fail(why)
        yield make_session_factory(engine)
    finally:
        engine.dispose()


def _progress(items: Iterable[T], description: str, total: int) -> Iterable[T]:
    return rich_track(items, description=description, total=total, console=err, transient=True)


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """How `serve` runs uvicorn: no Server banner; no proxy headers believed by uvicorn (its default
    believes X-Forwarded-For from localhost; the app resolves the client from WARDDESK_TRUSTED_PROXIES
    itself); TLS when configured; our own access log (route templates, no paths or queries)."""
    options: dict[str, Any] = {
        "server_header": False,
        "proxy_headers": False,
        "forwarded_allow_ips": "",
        "access_log": False,
        "log_config": None,
        "timeout_graceful_shutdown": 5,
    }
    if settings.tls_certfile is not None:
        options.update(ssl_certfile=str(settings.tls_certfile), ssl_keyfile=str(settings.tls_keyfile))
    return options


def _serve(url: str, *, settings: Settings, host: str, port: int, workers: int = 1) -> None:
    import uvicorn

    from sync_server.app import create_app
    from sync_server.core.config import LogFormat
    from sync_server.core.logs import configure_logging

    configure_logging(json_lines=settings.log_format is LogFormat.JSON, level=settings.log_level)
    # Long polls hold requests open for up to 30 s: a stop (SIGTERM, Ctrl+C) gives them 5 s, then
    # closes them; desktops simply reconnect.
    if workers > 1:
        # Each worker process builds its own app from the environment: it must find this database
        # (an embedded one started here included) rather than start another.
        os.environ["WARDDESK_DATABASE_URL"] = url
        uvicorn.run(
            "sync_server.app:create_app",
            factory=True,
            workers=workers,
            host=host,
            port=port,
            log_level="info",
            **uvicorn_options(settings),
        )
        return
    application = create_app(settings, database_url=url)
    uvicorn.run(application, host=host, port=port, log_level="info", **uvicorn_options(settings))


def _announce(host: str, port: int, settings: Settings) -> None:
    shown = "localhost" if host in ("0.0.0.0", "::") else host
    base = f"{'https' if settings.tls else 'http'}://{shown}:{port}"
    docs = f"  (API documentation: {base}/docs)" if settings.serves_api_docs else ""
    out.print(f"WardDesk sync server: [bold]{base}[/]{docs}")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8080,
    migrate: Annotated[
        bool, typer.Option("--migrate/--no-migrate", help="Upgrade the database first.")
    ] = True,
    workers: Annotated[
        int,
        typer.Option(
            help="Server processes sharing the port; one per CPU core is a good start. Sagas, the relay "
            "and the consumers are safe to run in several at once.",
            min=1,
            max=64,
        ),
    ] = 1,
) -> None:
    """Run the sync server (HTTP API) until interrupted."""
    settings = _settings()
    url = _database_url(settings)
    if migrate:
        out.print(f"Database: {_migrate(url)}")
    _announce(host, port, settings)
    _serve(url, settings=settings, host=host, port=port, workers=workers)


@app.command("migrate")
def migrate_command() -> None:
    """Upgrade the database schema to the newest revision this build ships, and print it."""
    url = _database_url(_settings())
    out.print(f"Database is at {_migrate(url)}")


@app.command("create-user")
def create_user(
    username: Annotated[str, typer.Option(help="Sign-in name: lower-case letters, digits, . _ -")],
    full_name: Annotated[str, typer.Option(help="The person's name as colleagues see it.")],
    role: Annotated[Role, typer.Option(help="What the person may do.", case_sensitive=False)],
    ward: Annotated[
        list[str] | None, typer.Option("--ward", help="Ward code a nurse belongs to (repeat for several).")
    ] = None,
    doctor_license: Annotated[
        str | None, typer.Option(help="A doctor account's doctor record, by licence number.")
    ] = None,
    password: Annotated[
        str | None, typer.Option(help="Initial password; asked for twice (hidden) when omitted.")
    ] = None,
) -> None:
    """Create a user account (the first administrator, for instance)."""
    from sync_server.audit import service as audit
    from sync_server.auth.models import User, UserWard
    from sync_server.auth.passwords import hash_password
    from sync_server.directory.importer import CLI_CLIENT
    from sync_server.directory.models import Doctor, Ward

    problems: list[str] = []
    try:
        username = check_username(username)
    except ValueError as exc:
        problems.append(f"--username: {exc}")
    full_name = full_name.strip()
    if not 1 <= len(full_name) <= 200:
        problems.append("--full-name: must be 1-200 characters")
    ward_codes: list[str] = []
    for code in ward or []:
        try:
            ward_codes.append(check_ward_code(code))
        except ValueError as exc:
            problems.append(f"--ward {code!r}: {exc}")
    if role is Role.NURSE and not ward:
        problems.append("--ward: a nurse must belong to at least one ward")
    if role is not Role.NURSE and ward:
        problems.append("--ward: only nurses belong to wards")
    if role is Role.DOCTOR and not doctor_license:
        problems.append("--doctor-license: a doctor account must name its doctor record")
    if role is not Role.DOCTOR and doctor_license:
        problems.append("--doctor-license: only doctor accounts have a doctor record")
    if password is not None:
        try:
            check_password_strength(password)
        except ValueError as exc:
            problems.append(f"--password: {exc}")
    if problems:
        _fail("\n  " + "\n  ".join(problems))
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        try:
            check_password_strength(password)
        except ValueError as exc:
            _fail(f"password: {exc}")

    with _sessions(_database_url(_settings())) as factory, transaction(factory) as session:
        if session.scalar(select(User.id).where(User.username == username)) is not None:
            _fail(f"the user name {username!r} is taken")
        wards = {
            code: ward_id
            for code, ward_id in session.execute(select(Ward.code, Ward.id).where(Ward.code.in_(ward_codes)))
        }
        missing = [code for code in ward_codes if code not in wards]
        if missing:
            _fail(f"no ward with code {', '.join(missing)}")
        doctor_id = None
        if doctor_license:
            doctor_id = session.scalar(
                select(Doctor.id).where(Doctor.license_number == doctor_license.strip())
            )
            if doctor_id is None:
                _fail(f"no doctor with licence number {doctor_license!r}")
        user = User(
            username=username,
            full_name=full_name,
            role=role,
            password_hash=hash_password(password),
            doctor_id=doctor_id,
            wards=[UserWard(ward_id=wards[code]) for code in dict.fromkeys(ward_codes)],
        )
        session.add(user)
        session.flush()
        audit.record(
            session,
            actor=None,
            username="cli",
            client=CLI_CLIENT,
            action="user.create",
            entity="user",
            entity_id=user.id,
            details={"username": username, "role": role.value},
        )
    out.print(f"Created {role.value} {username!r} ({full_name}).")


_IMPORT_HELP = (
    "Import rows from a CSV file (UTF-8, header row). Columns (* = required):\n\n"
    + "\n\n".join(f"{name}: {kind.column_help()}" for name, kind in KINDS.items())
    + (
        "\n\nEvery row is checked first; if any row is bad, nothing is written and each problem is listed "
        "with its line and column."
    )
)


@app.command(
    "import", help=_IMPORT_HELP, short_help="Import patients, doctors, wards, rooms or formulary from CSV."
)
def import_(
    kind: Annotated[str, typer.Argument(help=f"One of: {', '.join(KINDS)}.", metavar="KIND")],
    file: Annotated[Path, typer.Argument(help="The CSV file.", metavar="FILE.csv")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Check the file only; write nothing.")] = False,
) -> None:
    if kind not in KINDS:
        _fail(f"unknown kind {kind!r}; choose one of: {', '.join(KINDS)}")
    with _sessions(_database_url(_settings())) as factory:
        try:
            report = import_csv(factory, kind=kind, path=file, dry_run=dry_run, track=_progress)
        except ImportFileError as exc:
            _fail(str(exc))
        if report.ok and not dry_run:
            _feed_desktops(factory)
    if not report.ok:
        shown = report.problems[:200]
        table = Table(title=f"{len(report.problems)} problem(s) in {file.name}: nothing was written")
        table.add_column("line", justify="right")
        table.add_column("column")
        table.add_column("problem")
        for problem in shown:
            table.add_row(str(problem.line or "-"), problem.column or "-", problem.problem)
        err.print(table)
        if len(report.problems) > len(shown):
            err.print(f"... and {len(report.problems) - len(shown)} more")
        raise typer.Exit(1)
    if dry_run:
        out.print(f"{report.rows} {kind} row(s) checked: all good (dry run, nothing written).")
    else:
        out.print(f"Imported {report.written} {kind}.")


def _feed_desktops(factory: sessionmaker[Session]) -> None:
    """Records written without the server's services reach the desktops through the sync feed."""
    from sync_server.sync.backfill import backfill

    with transaction(factory) as session:
        backfill(session)


@app.command("sync-backfill")
def sync_backfill() -> None:
    """Put records written without the server (old data, direct database edits) on the sync feed."""
    with _sessions(_database_url(_settings())) as factory, transaction(factory) as session:
        from sync_server.sync.backfill import backfill

        seen = backfill(session)
    out.print(f"Checked {seen} record(s); the sync feed is up to date.")


@app.command("sync-refresh-scopes")
def sync_refresh_scopes() -> None:
    """Re-publish the patients whose care scope moves with the day (visits in a ward's room today).
    `serve` does it every WARDDESK_SCOPE_REFRESH_SECONDS; this is for a server that runs without it."""
    from sync_server.directory.feed import refresh_visit_scopes

    with _sessions(_database_url(_settings())) as factory, transaction(factory) as session:
        changed = refresh_visit_scopes(session, now=datetime.now(UTC))
    out.print(f"{changed} patient record(s) moved scope.")


@app.command("sync-compact")
def sync_compact() -> None:
    """Delete sync tombstones older than WARDDESK_TOMBSTONE_DAYS (run it daily)."""
    from sync_server.sync.pull import compact

    settings = _settings()
    with _sessions(_database_url(settings)) as factory, transaction(factory) as session:
        removed = compact(session, tombstone_seconds=settings.tombstone_days * 86400)
    out.print(f"Removed {removed} expired tombstone(s) from the sync feed.")


history_app = typer.Typer(help="The patient's history (a projection of the events that name a patient).")
app.add_typer(history_app, name="history")


@history_app.command("rebuild")
def history_rebuild() -> None:
    """Replay the outbox's events, oldest first, into an EMPTY history store (WARDDESK_HISTORY_STORE:
    the PostgreSQL table, or DynamoDB's table, made when missing). Refuses a store that holds entries."""
    from sync_server.history.rebuild import StoreNotEmpty, rebuild
    from sync_server.history.store import store_from

    settings = _settings()
    with _sessions(_database_url(settings)) as factory:
        try:
            done = rebuild(factory, store_from(settings))
        except StoreNotEmpty as exc:
            _fail(str(exc))
    out.print(
        f"Replayed {done.events} event(s): {done.entries} history entr(y/ies) written, "
        f"{done.unusable} unusable event(s) skipped."
    )


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


@app.command("sync-health")
def sync_health_command(
    late_minutes: Annotated[
        float, typer.Option(help="A booking saga this many minutes late for its next step is stuck.", min=0)
    ] = 5,
) -> None:
    """Each workstation's last sync and its settled and refused changes, stuck booking sagas, dead letters.

    Exits with status 2 when a saga is stuck or a message is dead-lettered (for monitoring scripts)."""
    from sync_server.health.sync_health import sync_health

    with _sessions(_database_url(_settings())) as factory, transaction(factory) as session:
        report = sync_health(session, now=datetime.now(UTC), saga_late_seconds=late_minutes * 60)
    table = Table(title=f"Workstations ({len(report.workstations)})")
    for column in (
        "workstation",
        "user",
        "last push",
        "last change no.",
        "settled",
        "refused",
        "last refused",
        "conflicts",
        "last pull",
        "PC",
        "version",
        "queued",
    ):
        table.add_column(column, no_wrap=True)
    for desk in report.workstations:
        table.add_row(
            str(desk.client_id),
            desk.username,
            _when(desk.last_push),
            str(desk.last_change_number),
            str(desk.settled),
            str(desk.refused),
            _when(desk.last_refused),
            str(desk.conflicts),
            _when(desk.last_pull),
            desk.workstation or "-",
            desk.desktop_version or "-",
            "-" if desk.queued_changes is None else str(desk.queued_changes),
        )
    out.print(table)
    out.print(
        f"Outbox: {report.outbox.backlog} unpublished, the oldest "
        f"{report.outbox.oldest_age_seconds:.0f} s old."
    )
    sagas = Table(title=f"Stuck booking sagas ({len(report.stuck_sagas)})")
    for column in ("saga", "kind", "status", "step", "attempts", "due since", "last error"):
        sagas.add_column(column)
    for saga in report.stuck_sagas:
        sagas.add_row(
            str(saga.saga_id),
            saga.kind,
            saga.status,
            saga.step,
            str(saga.attempts),
            _when(saga.next_attempt_at),
            (saga.error or "")[:120],
        )
    out.print(sagas)
    letters = Table(title=f"Dead letters ({len(report.dead_letters)})")
    for column in ("consumer", "message", "failures", "dead since", "last error"):
        letters.add_column(column)
    for letter in report.dead_letters:
        letters.add_row(
            letter.consumer,
            str(letter.message_id),
            str(letter.failures),
            _when(letter.dead_lettered_at),
            letter.last_error[:120],
        )
    out.print(letters)
    if report.dead_letters:
        out.print("Replay dead letters with POST /admin/dead-letters/replay once their cause is fixed.")
    if report.stuck_sagas or report.dead_letters:
        raise typer.Exit(2)


@app.command("restored")
def restored(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Run once after restoring the database from a backup, before the desktops reconnect.

    Starts a new epoch of the database: every desktop then sends again the changes the backup does not
    have, shows its author those it no longer keeps, and fetches its records afresh.
    """
    from sync_server.sync.identity import mark_restored

    if not yes:
        typer.confirm(
            "Every desktop will fetch all its records again. Was the database restored from a backup?",
            abort=True,
        )
    with _sessions(_database_url(_settings())) as factory, transaction(factory) as session:
        report = mark_restored(session)
    out.print(
        f"The database is now in epoch {report.epoch.epoch}; desktops will catch up when they reconnect"
        f" ({report.restamped} sync feed row(s) re-stamped for the restored transaction ids)."
    )


def _users_table() -> Table:
    from sync_server.demo import data

    table = Table(title="Demo users (these passwords are for the demo database only)")
    table.add_column("user name", no_wrap=True)
    table.add_column("password", no_wrap=True)
    table.add_column("role")
    table.add_column("name", no_wrap=True)
    table.add_column("scope")
    for user in data.USERS:
        table.add_row(user.username, user.password, user.role.value, user.full_name, user.scope)
    return table


def _load_demo(url: str, *, reset: bool) -> None:
    from sync_server.demo.builder import DemoConflict, load_demo_hospital, reset_database

    with _sessions(url) as factory:
        if reset:
            reset_database(factory)
            out.print("Emptied every table of the database.")
        try:
            summary = load_demo_hospital(factory)
        except DemoConflict as exc:
            _fail(str(exc))
        _feed_desktops(factory)
        if summary.loaded:
            _project_demo_history(factory)
    if summary.loaded:
        out.print(
            "Loaded the demo hospital: " + ", ".join(f"{n} {what}" for what, n in summary.counts.items())
        )
    else:
        out.print("The demo hospital is already loaded; nothing to do (use --reset to start over).")


def _project_demo_history(factory: sessionmaker[Session]) -> None:
    """The demo patients' histories: their appointments, as the events would have told them."""
    from sync_server.core.clock import system_clock
    from sync_server.demo.builder import project_demo_history
    from sync_server.history.consumer import HistoryProjector
    from sync_server.history.store import store_from

    projected = project_demo_history(factory, HistoryProjector(store_from(_settings()), clock=system_clock))
    out.print(f"Wrote the demo patients' histories: {projected} events.")


@app.command("demo-data")
def demo_data(
    reset: Annotated[
        bool, typer.Option("--reset", help="Empty EVERY table of the database first, then load the demo.")
    ] = False,
    yes: Annotated[
        bool, typer.Option("--yes", help="Do not ask before --reset empties the database.")
    ] = False,
) -> None:
    """Load the demo hospital: 4 wards, rooms, 6 doctors, 200 patients, a formulary, one user per role."""
    settings = _settings()
    if reset and settings.environment is Environment.PRODUCTION:
        _fail("--reset is refused in production (WARDDESK_ENVIRONMENT=production)")
    url = _database_url(settings)
    if reset and not yes:
        typer.confirm("--reset empties EVERY table of this database. Go on?", abort=True)
    _load_demo(url, reset=reset)
    out.print(_users_table())


@app.command()
def demo(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.", min=1, max=65535)] = 8080,
) -> None:
    """Everything `make demo` needs: database (embedded when unset), migrations, demo data, then serve."""
    settings = _settings()
    if settings.environment is Environment.PRODUCTION:
        _fail("the demo is refused in production (WARDDESK_ENVIRONMENT=production)")
    url = _database_url(settings)
    out.print(f"Database: {_migrate(url)}")
    _load_demo(url, reset=False)
    out.print(_users_table())
    _announce(host, port, settings)
    out.print(DESKTOP_NOTICE)
    out.print("Press Ctrl+C to stop the server.")
    _serve(url, settings=settings, host=host, port=port)


def _messaging_settings() -> Settings:
    settings = _settings()
    return settings.model_copy(update={"database_url": _database_url(settings)})


@app.command()
def relay() -> None:
    """Publish outbox rows to RabbitMQ (WARDDESK_AMQP_URL) until interrupted."""
    try:
        from sync_server.app import consumers_of
        from sync_server.messaging.runner import run_relay
    except ImportError as exc:
        _fail(f"the outbox relay is not part of this build: {exc}")
    settings = _messaging_settings()
    run_relay(settings, consumers_of(settings))


@app.command()
def worker() -> None:
    """Consume WardDesk events from RabbitMQ (WARDDESK_AMQP_URL) until interrupted."""
    try:
        from sync_server.app import consumers_of
        from sync_server.messaging.runner import run_worker
    except ImportError as exc:
        _fail(f"the message worker is not part of this build: {exc}")
    settings = _messaging_settings()
    run_worker(settings, consumers_of(settings))


@app.command("messaging-migrate-queues")
def messaging_migrate_queues() -> None:
    """Make WardDesk's RabbitMQ queues quorum queues, keeping their messages (run once, workers stopped).

    Needed when the broker holds classic queues of an older WardDesk: the workers then log that a queue
    "exists as a classic queue" and wait. Safe to run again; queues already quorum are left alone."""
    from sync_server.app import consumers_of
    from sync_server.messaging.consumers import subscription
    from sync_server.messaging.quorum import migrate_to_quorum
    from sync_server.messaging.runner import topology_of

    settings = _settings()
    if settings.amqp_url is None:
        _fail("WARDDESK_AMQP_URL is not set: there is no broker to migrate")
    migrated = migrate_to_quorum(
        settings.amqp_url,
        topology=topology_of(settings),
        subscriptions=[subscription(c) for c in consumers_of(settings)],
    )
    for queue in migrated:
        out.print(f"{queue.queue}: now a quorum queue ({queue.messages} message(s) carried over)")
    out.print(f"{len(migrated)} queue(s) migrated; every WardDesk queue is a quorum queue.")


def main(argv: list[str] | None = None) -> Any:
    """Entry point of the `warddesk-server` script."""
    return app(args=argv)
