"""The sync server's composition root: `create_app()` wires settings, database and routes."""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.telemetry import TelemetryConfig

from sync_server.audit.api import router as audit_router
from sync_server.auth.api import router as auth_router
from sync_server.auth.tokens import TokenError, read_access_token
from sync_server.booking import mutations as booking_mutations
from sync_server.booking.api import router as booking_router
from sync_server.booking.recovery import start_saga_runner
from sync_server.booking.saga import SagaEngine
from sync_server.core.admission import Admission, AdmissionLimit
from sync_server.core.clock import Clock, system_clock
from sync_server.core.config import DEVELOPMENT_SECRET, Settings
from sync_server.core.db import make_engine, make_session_factory
from sync_server.core.embedded_db import start_embedded_postgres
from sync_server.core.errors import install_error_handlers
from sync_server.core.limits import BodySizeLimit
from sync_server.core.logs import RequestContext
from sync_server.core.metrics import HttpMetrics, MetricsMiddleware
from sync_server.core.rate_limit import RateLimit
from sync_server.core.security import ProxyTrust, SecurityHeaders
from sync_server.directory.api import router as directory_router
from sync_server.directory.scope_refresher import start_scope_refresher
from sync_server.documents import mutations as document_mutations
from sync_server.documents.api import router as documents_router
from sync_server.documents.storage import DocumentStore, store_from
from sync_server.health.admin import router as sync_health_router
from sync_server.health.api import router as health_router
from sync_server.health.metrics import BrokerCollector, metrics_endpoint, metrics_registry
from sync_server.history import mutations as history_mutations
from sync_server.history.api import router as history_router
from sync_server.history.consumer import HistoryProjector
from sync_server.history.store import HistoryStore
from sync_server.history.store import store_from as history_store_from
from sync_server.messaging.api import router as dead_letters_router
from sync_server.messaging.consumers import Consumer
from sync_server.messaging.runner import start_in_process, topology_of
from sync_server.patient_email.consumer import appointment_emails
from sync_server.payments import mutations as payment_mutations
from sync_server.payments.api import router as payments_router
from sync_server.payments.consumer import RefundDueNotice
from sync_server.privacy.api import router as privacy_router
from sync_server.releases.api import router as releases_router
from sync_server.staff_notifications import mutations as staff_notification_mutations
from sync_server.staff_notifications.api import router as staff_notifications_router
from sync_server.sync.api import router as sync_router
from sync_server.sync.notifier import ChangeNotifier
from sync_server.sync.push import MutationHandlers
from sync_server.tickets import mutations as ticket_mutations
from sync_server.tickets.api import router as tickets_router

log = logging.getLogger(__name__)


def resolve_database_url(settings: Settings) -> str:
    """The configured database, or an embedded PostgreSQL under the data directory."""
    if settings.database_url:
        return settings.database_url
    log.info("WARDDESK_DATABASE_URL is not set: using the embedded PostgreSQL in %s", settings.data_dir)
    return start_embedded_postgres(settings.data_dir)


def _telemetry(settings: Settings) -> TelemetryConfig:
    enabled = settings.otel
    return {
        "tracing": enabled,
        "metrics": enabled,
        "logs": enabled,
        "operation_spans": enabled,
        "auto_configure": enabled,
    }


def consumers_of(
    settings: Settings, *, history: HistoryStore | None = None, clock: Clock = system_clock
) -> list[Consumer]:
    """Every consumer of events this server runs (wired here, the composition root, so the messaging
    machinery knows no domain). `history`: the patient history's store (default: the settings')."""
    history = history or history_store_from(settings)
    return [appointment_emails(settings), HistoryProjector(history, clock=clock), RefundDueNotice()]


def mutation_handlers(
    saga_engine: SagaEngine,
    *,
    documents: DocumentStore,
    settings: Settings,
    clock: Clock,
    history: HistoryStore | None = None,
) -> MutationHandlers:
    """What the sync push does with each change a desktop queues: each domain registers its own."""
    return {
        **ticket_mutations.HANDLERS,
        **booking_mutations.handlers(saga_engine),
        **staff_notification_mutations.HANDLERS,
        **document_mutations.handlers(documents, settings, clock),
        **history_mutations.handlers(history or history_store_from(settings), clock),
        **payment_mutations.handlers(settings, clock),
    }


def _user_of(settings: Settings) -> Callable[[str], str | None]:
    """The signed-in user an Authorization header names, for the per-user rate limit (None: nobody)."""

    def user_of(authorization: str) -> str | None:
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            return str(read_access_token(token, secret=settings.secret_key).user_id)
        except TokenError:
            return None

    return user_of


def _broker_metrics(app: FastAPI) -> BrokerCollector | None:
    """Queue depths of this server's consumers, when events go through RabbitMQ."""
    settings: Settings = app.state.settings
    if settings.amqp_url is None:
        return None
    topology = topology_of(settings)
    queues = {
        c.name: (topology.queue(c.name), topology.dead_letter_queue(c.name)) for c in app.state.consumers
    }
    return BrokerCollector(settings.amqp_url, queues)


def create_app(
    settings: Settings | None = None,
    *,
    database_url: str | None = None,
    clock: Clock = system_clock,
    monotonic: Callable[[], float] = time.monotonic,
) -> FastAPI:
    """The server's app. `clock`: the time the routes act at; `monotonic`: the rate limits' (tests pass
    their own)."""
    settings = settings or Settings()
    if settings.secret_key == DEVELOPMENT_SECRET:
        log.warning(
            "!!! DEVELOPMENT MODE: the secret key is the PUBLIC development secret; anyone can forge "
            "sign-ins. Never expose this server; set WARDDESK_ENVIRONMENT=production and a secret key. !!!"
        )
    url = database_url or resolve_database_url(settings)
    engine = make_engine(url, pool_size=settings.db_pool_size)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        stop_messaging = start_in_process(settings, app.state.session_factory, consumers=app.state.consumers)
        stop_saga_runner = start_saga_runner(app.state)
        stop_scope_refresher = start_scope_refresher(app.state)
        app.state.sync_notifier.start()
        try:
            yield
        finally:
            app.state.sync_notifier.stop()
            stop_scope_refresher()
            stop_saga_runner()
            stop_messaging()
            engine.dispose()

    app = FastAPI(
        title="WardDesk sync server",
        version="0.1.0",
        description="Authoritative server for WardDesk: directory, appointments, refill tickets and sync.",
        lifespan=lifespan,
        # FastAPI's built-in OpenTelemetry costs several ms per request even with no exporter; off
        # unless an admin asks for it (WARDDESK_OTEL=true with the usual OTEL_* exporter settings).
        telemetry=_telemetry(settings),
        docs_url="/docs" if settings.serves_api_docs else None,
        redoc_url="/redoc" if settings.serves_api_docs else None,
        openapi_url="/openapi.json" if settings.serves_api_docs else None,
    )
    app.state.settings = settings
    app.state.clock = clock
    app.state.database_url = url
    app.state.engine = engine
    app.state.session_factory = make_session_factory(engine)
    app.state.saga_engine = SagaEngine(settings)
    # Lab reports and exam results: S3 when a bucket is configured, else a local folder.
    app.state.document_store = store_from(settings)
    # The patient's history: PostgreSQL, or DynamoDB (its table made when missing).
    app.state.history_store = history_store_from(settings)
    app.state.mutation_handlers = mutation_handlers(
        app.state.saga_engine,
        documents=app.state.document_store,
        settings=settings,
        clock=clock,
        history=app.state.history_store,
    )
    app.state.consumers = consumers_of(settings, history=app.state.history_store, clock=clock)
    # Wakes sync long polls when a change in their scope commits (LISTEN on its own connection).
    app.state.sync_notifier = ChangeNotifier.for_database(
        url, check_seconds=settings.long_poll_recheck_seconds
    )
    install_error_handlers(app)
    app.state.metrics = HttpMetrics(metrics_registry(app.state.session_factory, broker=_broker_metrics(app)))
    # Innermost: as many requests at work as the database pool has connections (core/admission.py).
    app.add_middleware(AdmissionLimit, admission=Admission(settings.db_pool_size * 3), exempt=("/healthz",))
    # Last added runs first: proxy trust settles the client's address before anything uses it.
    # The local document store's uploads are limited by the documents' own size limit instead.
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes, exempt=("/documents/blobs/",))
    app.add_middleware(
        RateLimit,
        per_address=settings.rate_limit_per_address,
        per_user=settings.rate_limit_per_user,
        user_of=_user_of(settings),
        clock=monotonic,
    )
    app.add_middleware(SecurityHeaders, hsts_seconds=settings.hsts_seconds, tls=settings.tls)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)
    app.add_middleware(RequestContext)
    app.add_middleware(ProxyTrust, trusted=settings.proxy_networks)
    app.add_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    for router in (
        health_router,
        auth_router,
        directory_router,
        privacy_router,
        audit_router,
        dead_letters_router,
        sync_health_router,
        booking_router,
        tickets_router,
        documents_router,
        history_router,
        payments_router,
        staff_notifications_router,
        sync_router,
        releases_router,
    ):
        app.include_router(router)
    return app
