"""Starting the messaging machinery: in the server process (lifespan) or as separate processes.

- No broker configured (the demo): one thread runs the relay with in-process delivery to the consumers.
- Broker configured and `messaging_in_app`: a relay thread and one worker thread per consumer.
- Broker configured, not in the app: `run_relay(settings)` and `run_worker(settings)` run them as their own
  processes (stopped by SIGTERM/SIGINT).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Sequence

from sqlalchemy.orm import Session, sessionmaker

from sync_server.core.config import Settings
from sync_server.core.db import make_engine, make_session_factory
from sync_server.messaging.consumers import Consumer, subscription
from sync_server.messaging.inprocess import InProcessDelivery
from sync_server.messaging.rabbitmq import ConfirmingPublisher, QueueWorker, declare_topology
from sync_server.messaging.relay import OutboxRelay, run_relay_loop
from sync_server.messaging.topology import Topology

log = logging.getLogger(__name__)

StopMessaging = Callable[[], None]


def topology_of(settings: Settings) -> Topology:
    return Topology(prefix=settings.amqp_prefix, delivery_limit=settings.amqp_delivery_limit)


def _relay(
    settings: Settings, session_factory: sessionmaker[Session], consumers: Sequence[Consumer]
) -> OutboxRelay:
    return OutboxRelay(
        session_factory,
        batch_size=settings.relay_batch_size,
        retry_base_seconds=settings.consumer_retry_base_seconds,
        retry_max_seconds=settings.consumer_retry_max_seconds,
        subscribed_types=frozenset(t for consumer in consumers for t in consumer.event_types),
    )


def relay_to_broker(
    settings: Settings,
    session_factory: sessionmaker[Session],
    consumers: Sequence[Consumer],
    stop: threading.Event,
) -> None:
    """Publish the outbox to RabbitMQ until `stop`; reconnects with backoff. Never raises."""
    assert settings.amqp_url is not None
    url = settings.amqp_url
    topology = topology_of(settings)
    publisher = ConfirmingPublisher(url, exchange=topology.exchange)

    def reconnect() -> None:
        if not publisher.connected:
            # Queues first: a message published before its queue exists would come back unroutable.
            declare_topology(url, topology=topology, subscriptions=[subscription(c) for c in consumers])
            publisher.connect()
            log.info("outbox relay: publishing to %s", topology.exchange)

    try:
        run_relay_loop(
            _relay(settings, session_factory, consumers),
            publish=publisher.publish_batch,
            stop=stop,
            poll_seconds=settings.relay_poll_seconds,
            wait=publisher.idle,
            reconnect=reconnect,
        )
    finally:
        publisher.close()


def relay_in_process(
    settings: Settings,
    session_factory: sessionmaker[Session],
    consumers: Sequence[Consumer],
    stop: threading.Event,
) -> None:
    """Deliver the outbox straight to the consumers until `stop`. Never raises."""
    delivery = InProcessDelivery(session_factory, consumers, delivery_limit=settings.amqp_delivery_limit)
    run_relay_loop(
        _relay(settings, session_factory, consumers),
        publish=delivery.publish_batch,
        stop=stop,
        poll_seconds=settings.relay_poll_seconds,
    )


def queue_workers(
    settings: Settings, session_factory: sessionmaker[Session], consumers: Sequence[Consumer]
) -> list[QueueWorker]:
    assert settings.amqp_url is not None
    return [
        QueueWorker(
            url=settings.amqp_url,
            topology=topology_of(settings),
            consumer=consumer,
            session_factory=session_factory,
            retry_base_seconds=settings.consumer_retry_base_seconds,
            retry_max_seconds=settings.consumer_retry_max_seconds,
        )
        for consumer in consumers
    ]


def _start(targets: list[tuple[str, Callable[[threading.Event], None]]]) -> StopMessaging:
    stop = threading.Event()
    threads = [threading.Thread(target=run, args=(stop,), name=name, daemon=True) for name, run in targets]
    for thread in threads:
        thread.start()

    def stop_all() -> None:
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
            if thread.is_alive():
                log.error("%s did not stop within 30s", thread.name)

    return stop_all


def start_in_process(
    settings: Settings,
    session_factory: sessionmaker[Session],
    *,
    consumers: Sequence[Consumer],
) -> StopMessaging:
    """Start the messaging threads this server process should run for these consumers (wired by the
    composition root); returns the function that stops them (and waits for them). With
    `messaging_in_app` off, starts nothing."""
    chosen = list(consumers)
    if not settings.messaging_in_app:
        return lambda: None
    if settings.amqp_url is None:
        log.info("no broker configured: delivering events in process")
        return _start(
            [("outbox-in-process", lambda stop: relay_in_process(settings, session_factory, chosen, stop))]
        )
    targets: list[tuple[str, Callable[[threading.Event], None]]] = [
        ("outbox-relay", lambda stop: relay_to_broker(settings, session_factory, chosen, stop))
    ]
    workers = queue_workers(settings, session_factory, chosen)
    targets += [(f"consumer-{worker.consumer.name}", worker.run) for worker in workers]
    return _start(targets)


def _run_until_signalled(settings: Settings, what: str, run: Callable[..., None]) -> None:
    if settings.database_url is None:
        raise SystemExit(f"WARDDESK_DATABASE_URL must be set to run the {what}")
    if settings.amqp_url is None:
        raise SystemExit(f"WARDDESK_AMQP_URL must be set to run the {what}")
    stop = threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("%s: %s received, stopping", what, signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    engine = make_engine(settings.database_url, pool_size=4)
    try:
        run(make_session_factory(engine), stop)
    finally:
        engine.dispose()
        log.info("%s stopped", what)


def run_relay(settings: Settings, consumers: Sequence[Consumer]) -> None:
    """The outbox relay as its own process: blocks until SIGTERM/SIGINT."""

    def run(session_factory: sessionmaker[Session], stop: threading.Event) -> None:
        relay_to_broker(settings, session_factory, consumers, stop)

    _run_until_signalled(settings, "outbox relay", run)


def run_worker(settings: Settings, consumers: Sequence[Consumer]) -> None:
    """Every consumer as its own process (one thread each): blocks until SIGTERM/SIGINT."""

    def run(session_factory: sessionmaker[Session], stop: threading.Event) -> None:
        workers = queue_workers(settings, session_factory, consumers)
        threads = [threading.Thread(target=w.run, args=(stop,), name=w.consumer.name) for w in workers]
        for thread in threads:
            thread.start()
        while any(thread.is_alive() for thread in threads):
            stop.wait(1.0)  # the main thread stays free to take SIGTERM
        for thread in threads:
            thread.join()

    _run_until_signalled(settings, "consumer worker", run)
