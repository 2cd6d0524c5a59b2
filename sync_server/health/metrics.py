"""The /metrics endpoint, and the metrics read from the database at each scrape: the outbox's backlog and
the age of its oldest unpublished row, rows the relay published, booking sagas by status (and those
overdue), dead letters. Read from the tables, they are the same whichever process answers the scrape."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Iterator

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from sync_server.core.config import Environment, Settings

log = logging.getLogger(__name__)

# A saga is "overdue" when its next step should have run this long ago: the recovery runner is not keeping up.
SAGA_OVERDUE_SECONDS = 300

_QUERY = text(
    f"""
    SELECT
      (SELECT count(*) FROM outbox WHERE published_at IS NULL) AS backlog,
      (SELECT coalesce(extract(epoch FROM now() - min(occurred_at)), 0)
         FROM outbox WHERE published_at IS NULL) AS oldest_age,
      (SELECT count(*) FROM outbox WHERE published_at IS NOT NULL) AS published,
      (SELECT count(*) FROM message_failures WHERE dead_lettered_at IS NOT NULL) AS dead_letters,
      (SELECT count(*) FROM booking_sagas WHERE status IN ('running', 'compensating')
         AND next_attempt_at < now() - interval '{SAGA_OVERDUE_SECONDS} seconds') AS overdue
    """
)
_SAGAS = text("SELECT status, count(*) FROM booking_sagas GROUP BY status")


class DatabaseCollector(Collector):
    """Metrics read from PostgreSQL at scrape time; a database that does not answer yields
    warddesk_metrics_database_up 0 and nothing else."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def collect(self) -> Iterator[GaugeMetricFamily | CounterMetricFamily]:
        up = GaugeMetricFamily("warddesk_metrics_database_up", "Whether the database answered this scrape.")
        try:
            with self.session_factory() as session:
                row = session.execute(_QUERY).one()
                sagas = {status: count for status, count in session.execute(_SAGAS)}
        except SQLAlchemyError as exc:
            log.warning("metrics: the database did not answer (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield GaugeMetricFamily(
            "warddesk_outbox_backlog", "Outbox rows not yet published.", value=row.backlog
        )
        yield GaugeMetricFamily(
            "warddesk_outbox_oldest_unpublished_age_seconds",
            "Age of the oldest unpublished outbox row (0 when none).",
            value=float(row.oldest_age),
        )
        yield CounterMetricFamily(
            "warddesk_outbox_published", "Outbox rows the relay has published.", value=row.published
        )
        yield GaugeMetricFamily(
            "warddesk_dead_letters",
            "Messages dead-lettered after their last failed delivery.",
            value=row.dead_letters,
        )
        by_status = GaugeMetricFamily(
            "warddesk_booking_sagas", "Booking sagas by status (outcome, once finished).", labels=["status"]
        )
        for status in ("running", "compensating", "succeeded", "compensated", "failed"):
            by_status.add_metric([status], sagas.get(status, 0))
        yield by_status
        yield GaugeMetricFamily(
            "warddesk_booking_sagas_overdue",
            f"Unfinished sagas whose next step is more than {SAGA_OVERDUE_SECONDS} s late.",
            value=row.overdue,
        )


class BrokerCollector(Collector):
    """Consumer lag and dead letters as RabbitMQ holds them: the depth of each consumer's queue and of its
    dead-letter queue, asked of the broker (passively: nothing is declared) at scrape time."""

    def __init__(self, amqp_url: str, queues: dict[str, tuple[str, str]], *, timeout: float = 2.0) -> None:
        """`queues`: consumer name -> (its queue, its dead-letter queue)."""
        self.amqp_url = amqp_url
        self.queues = queues
        self.timeout = timeout

    def collect(self) -> Iterator[GaugeMetricFamily]:
        import pika
        import pika.exceptions

        up = GaugeMetricFamily("warddesk_broker_up", "Whether RabbitMQ answered this scrape.")
        depth = GaugeMetricFamily(
            "warddesk_queue_messages",
            "Messages waiting in a consumer's queue (its lag) or in its dead-letter queue.",
            labels=["consumer", "queue"],
        )
        parameters = pika.URLParameters(self.amqp_url)
        parameters.socket_timeout = parameters.blocked_connection_timeout = self.timeout
        parameters.connection_attempts = 1
        try:
            with pika.BlockingConnection(parameters) as connection:
                for consumer, (queue, dead_letters) in sorted(self.queues.items()):
                    for kind, name in (("main", queue), ("dead_letter", dead_letters)):
                        channel = connection.channel()
                        try:
                            answer = channel.queue_declare(name, passive=True)
                            depth.add_metric([consumer, kind], answer.method.message_count)
                            channel.close()
                        except pika.exceptions.ChannelClosedByBroker:
                            pass  # not declared yet: no consumer has started
        except (pika.exceptions.AMQPError, OSError) as exc:
            log.warning("metrics: RabbitMQ did not answer (%s)", type(exc).__name__)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield depth


def metrics_registry(
    session_factory: sessionmaker[Session], *, broker: BrokerCollector | None = None
) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(DatabaseCollector(session_factory))
    if broker is not None:
        registry.register(broker)
    return registry


async def metrics_endpoint(request: Request) -> Response:
    """Prometheus exposition. With WARDDESK_METRICS_TOKEN set, a matching bearer token is required;
    without one, /metrics is open outside production and absent in production."""
    settings: Settings = request.app.state.settings
    if settings.metrics_token is None:
        if settings.environment is Environment.PRODUCTION:
            return Response(status_code=404)
    else:
        given = request.headers.get("authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {settings.metrics_token}".encode()):
            return Response(status_code=401, headers={"WWW-Authenticate": "Bearer"})
    registry: CollectorRegistry = request.app.state.metrics.registry
    body = await run_in_threadpool(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)
