"""The RabbitMQ transport: a batching publisher with confirms, a queue worker, and dead-letter access.

Publisher: pika's BlockingChannel in confirm mode waits for each confirm before the next publish (one
round trip per message). `ConfirmingPublisher` instead drives a `SelectConnection` from the calling thread:
it publishes a whole batch, then runs the I/O loop until every delivery tag is acked, nacked or timed out.
Between batches `idle()` runs the loop, so heartbeats are answered while the relay waits.

Worker: one `BlockingConnection` per consumer thread. The consumer's effect runs on a separate work
thread, so a slow effect (a mail provider timing out) never starves the connection's heartbeats; the ack
or nack goes back to the connection thread through `add_callback_threadsafe`, the one thread-safe call pika
offers.
"""

from __future__ import annotations

import functools
import logging
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pika
import pika.exceptions
from pika import spec
from pika.adapters.blocking_connection import BlockingChannel
from pika.channel import Channel
from pika.delivery_mode import DeliveryMode
from pika.frame import Method
from sqlalchemy.orm import Session, sessionmaker

from sync_server.core.retry import backoff_seconds
from sync_server.messaging import failures
from sync_server.messaging.consumers import (
    Consumer,
    PermanentFailure,
    deliver,
    parse_envelope,
    retry_delay,
    subscription,
)
from sync_server.messaging.topology import Subscription, Topology, declare

log = logging.getLogger(__name__)

# What the broker and the network can throw at us when it goes away.
BROKER_ERRORS: tuple[type[BaseException], ...] = (pika.exceptions.AMQPError, OSError)


class BrokerUnavailable(Exception):
    """The broker could not be reached, dropped the connection, or did not confirm in time.

    `outcomes` holds the confirms that did arrive before the failure (those messages are safely stored).
    """

    def __init__(self, message: str, *, outcomes: dict[str, PublishOutcome] | None = None) -> None:
        super().__init__(message)
        self.outcomes = outcomes or {}


@dataclass(frozen=True)
class OutgoingMessage:
    message_id: str
    routing_key: str
    body: bytes


@dataclass(frozen=True)
class PublishOutcome:
    confirmed: bool
    problem: str | None = None  # why not: nacked, or returned as unroutable
    unroutable: bool = False  # returned: no queue is bound for its routing key


def connection_parameters(url: str, *, timeout: float = 10.0) -> pika.URLParameters:
    parameters = pika.URLParameters(url)
    parameters.connection_attempts = 1
    parameters.socket_timeout = timeout
    parameters.stack_timeout = timeout
    # A broker that blocks publishers (memory/disk alarm) for this long is treated as down.
    parameters.blocked_connection_timeout = 60
    return parameters


class ConfirmingPublisher:
    """Publishes batches to one exchange with publisher confirms; one instance per thread.

    Messages are persistent, `mandatory` (an unroutable message comes back as basic.return and is reported
    as not confirmed), JSON, with the envelope's message id as AMQP message_id.
    """

    def __init__(
        self, url: str, *, exchange: str, confirm_timeout: float = 30.0, connect_timeout: float = 10.0
    ) -> None:
        self._parameters = connection_parameters(url, timeout=connect_timeout)
        self._exchange = exchange
        self._confirm_timeout = confirm_timeout
        self._connect_timeout = connect_timeout
        self._connection: pika.SelectConnection | None = None
        self._channel: Channel | None = None
        self._ready = False
        self._closed = True
        self._failure: BaseException | str | None = None
        self._next_tag = 0
        self._pending: dict[int, str] = {}
        self._outcomes: dict[str, PublishOutcome] = {}
        self._returned: dict[str, str] = {}

    # -- public ---------------------------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        return self._ready

    def connect(self) -> None:
        """Open the connection and a confirm-mode channel. Raises BrokerUnavailable."""
        self.close()
        self._failure = None
        self._closed = False
        self._next_tag = 0
        self._connection = pika.SelectConnection(
            self._parameters,
            on_open_callback=self._on_connection_open,
            on_open_error_callback=self._on_connection_open_error,
            on_close_callback=self._on_connection_closed,
        )
        if not self._run_until(lambda: self._ready, self._connect_timeout):
            problem = self._failure or "timed out"
            self.close()
            raise BrokerUnavailable(f"cannot open a publishing channel: {problem}")

    def publish_batch(self, messages: Sequence[OutgoingMessage]) -> dict[str, PublishOutcome]:
        """Publish every message, then wait for all their confirms (one wait for the batch).

        Returns an outcome per message id. Raises BrokerUnavailable (with the outcomes known so far) when
        the connection fails or confirms do not arrive within the confirm timeout; the connection is then
        closed and `connect()` must be called again.
        """
        if not self._ready or self._channel is None:
            raise BrokerUnavailable("not connected")
        self._outcomes = {}
        self._returned = {}
        self._pending = {}
        try:
            for message in messages:
                properties = spec.BasicProperties(
                    content_type="application/json",
                    delivery_mode=DeliveryMode.Persistent.value,
                    message_id=message.message_id,
                    type=message.routing_key,
                    timestamp=int(time.time()),
                )
                self._channel.basic_publish(
                    self._exchange, message.routing_key, message.body, properties, mandatory=True
                )
                self._next_tag += 1
                self._pending[self._next_tag] = message.message_id
        except BROKER_ERRORS as exc:
            self._failure = exc
        if self._failure is None and self._run_until(lambda: not self._pending, self._confirm_timeout):
            return dict(self._outcomes)
        problem = self._failure or f"no confirm within {self._confirm_timeout:.0f}s"
        outcomes = dict(self._outcomes)
        self.close()
        raise BrokerUnavailable(f"publishing failed: {problem}", outcomes=outcomes)

    def idle(self, seconds: float) -> None:
        """Wait, answering heartbeats meanwhile. Raises BrokerUnavailable if the connection drops."""
        if not self._ready:
            time.sleep(seconds)
            return
        self._run_until(lambda: False, seconds)
        if self._failure is not None:
            problem = self._failure
            self.close()
            raise BrokerUnavailable(f"connection lost: {problem}")

    def close(self) -> None:
        """Close the connection (if any) and release its I/O loop. Never raises."""
        connection, self._connection = self._connection, None
        self._ready = False
        self._channel = None
        if connection is None:
            return
        try:
            if not (connection.is_closed or connection.is_closing):
                connection.close()
            self._connection = connection
            self._run_until(lambda: self._closed, 5.0, stop_on_failure=False)
        except BROKER_ERRORS as exc:
            log.debug("closing the publisher connection: %s", exc)
        finally:
            self._connection = None
            try:
                connection.ioloop.close()
            except Exception:  # noqa: BLE001 - releasing resources must not fail the caller
                log.debug("closing the publisher I/O loop", exc_info=True)

    # -- I/O loop driving ----------------------------------------------------------------------------

    def _run_until(self, done: Callable[[], bool], timeout: float, *, stop_on_failure: bool = True) -> bool:
        """Run the connection's I/O loop until `done()`, a failure, or the timeout."""
        connection = self._connection
        if connection is None:
            return done()
        ioloop = connection.ioloop
        deadline = time.monotonic() + timeout
        while not done():
            if stop_on_failure and self._failure is not None:
                return False
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            timer = ioloop.call_later(remaining, ioloop.stop)
            ioloop.start()  # returns when a callback below calls _wake() or the timer fires
            ioloop.remove_timeout(timer)
        return True

    def _wake(self) -> None:
        if self._connection is not None:
            self._connection.ioloop.stop()

    # -- pika callbacks -------------------------------------------------------------------------------

    def _on_connection_open(self, connection: Any) -> None:
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_connection_open_error(self, _connection: Any, error: BaseException | str) -> None:
        self._failure = error
        self._closed = True
        self._wake()

    def _on_connection_closed(self, _connection: Any, reason: BaseException) -> None:
        if self._failure is None:
            self._failure = reason
        self._ready = False
        self._closed = True
        self._wake()

    def _on_channel_open(self, channel: Channel) -> None:
        self._channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.add_on_return_callback(self._on_return)
        channel.exchange_declare(
            self._exchange, exchange_type="topic", durable=True, callback=self._on_exchange_ready
        )

    def _on_exchange_ready(self, _frame: Method) -> None:
        assert self._channel is not None
        self._channel.confirm_delivery(self._on_confirm, callback=self._on_confirm_mode)

    def _on_confirm_mode(self, _frame: Method) -> None:
        self._ready = True
        self._wake()

    def _on_channel_closed(self, _channel: Channel, reason: BaseException) -> None:
        self._failure = self._failure or reason
        self._ready = False
        connection = self._connection
        if connection is not None and connection.is_open:
            connection.close()
        self._wake()

    def _on_return(self, _channel: Channel, method: Any, properties: Any, _body: bytes) -> None:
        problem = f"unroutable: {method.reply_code} {method.reply_text} (routing key {method.routing_key!r})"
        self._returned[str(properties.message_id)] = problem

    def _on_confirm(self, frame: Method) -> None:
        method = frame.method
        acked = isinstance(method, spec.Basic.Ack)
        if method.multiple:
            tags = [tag for tag in self._pending if tag <= method.delivery_tag]
        else:
            tags = [method.delivery_tag] if method.delivery_tag in self._pending else []
        for tag in tags:
            message_id = self._pending.pop(tag)
            # The broker sends basic.return before the ack of an unroutable mandatory message.
            returned = self._returned.get(message_id)
            if returned is not None:
                self._outcomes[message_id] = PublishOutcome(False, problem=returned, unroutable=True)
            elif acked:
                self._outcomes[message_id] = PublishOutcome(confirmed=True)
            else:
                self._outcomes[message_id] = PublishOutcome(confirmed=False, problem="nacked by the broker")
        if not self._pending:
            self._wake()


# -- consuming ----------------------------------------------------------------------------------------


@dataclass
class QueueWorker:
    """Consumes one consumer's queue until stopped, reconnecting with backoff when the broker goes away.

    Success -> ack. PermanentFailure -> reject without requeue (dead-lettered at once). Any other failure
    -> wait (exponential backoff on the broker's delivery count), then nack with requeue; after the queue's
    delivery limit the broker dead-letters it.
    """

    url: str
    topology: Topology
    consumer: Consumer
    session_factory: sessionmaker[Session]
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 60.0
    prefetch: int = 10
    _subscription: Subscription = field(init=False)

    def __post_init__(self) -> None:
        self._subscription = subscription(self.consumer)

    def run(self, stop: threading.Event) -> None:
        failures_in_a_row = 0

        def connected() -> None:
            nonlocal failures_in_a_row
            failures_in_a_row = 0

        while not stop.is_set():
            try:
                self._consume(stop, on_connected=connected)
            except BROKER_ERRORS as exc:
                failures_in_a_row += 1
                delay = backoff_seconds(min(failures_in_a_row, 6), base=0.5, cap=30.0)
                log.warning(
                    "%s: broker unavailable (%s); reconnecting in %.1fs", self.consumer.name, exc, delay
                )
                stop.wait(delay)

    def _consume(self, stop: threading.Event, *, on_connected: Callable[[], None]) -> None:
        connection = pika.BlockingConnection(connection_parameters(self.url))
        work = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"consumer-{self.consumer.name}")
        try:
            channel = connection.channel()
            declare(channel, self.topology, [self._subscription])
            channel.basic_qos(prefetch_count=self.prefetch)
            on_message = functools.partial(self._on_message, connection, work, stop)
            channel.basic_consume(self.topology.queue(self.consumer.name), on_message_callback=on_message)
            log.info("%s: consuming %s", self.consumer.name, self.topology.queue(self.consumer.name))
            on_connected()
            while not stop.is_set():
                connection.process_data_events(time_limit=0.2)
        finally:
            # Unfinished work is dropped; its messages are unacked, so the broker redelivers them.
            work.shutdown(wait=True, cancel_futures=True)
            try:
                if connection.is_open:
                    connection.process_data_events(time_limit=0)  # send the acks queued by finished work
                    connection.close()
            except BROKER_ERRORS:
                pass

    def _on_message(
        self,
        connection: pika.BlockingConnection,
        work: ThreadPoolExecutor,
        stop: threading.Event,
        channel: BlockingChannel,
        method: spec.Basic.Deliver,
        properties: spec.BasicProperties,
        body: bytes,
    ) -> None:
        work.submit(self._handle, connection, channel, method.delivery_tag, properties, body, stop)

    def _handle(
        self,
        connection: pika.BlockingConnection,
        channel: BlockingChannel,
        delivery_tag: int,
        properties: spec.BasicProperties,
        body: bytes,
        stop: threading.Event,
    ) -> None:
        name = self.consumer.name
        settle: Callable[[], None]
        try:
            envelope = parse_envelope(body)
            deliver(self.session_factory, self.consumer, envelope)
            settle = functools.partial(channel.basic_ack, delivery_tag)
        except PermanentFailure as exc:
            log.error("%s: message %s cannot be handled; dead-lettered: %s", name, properties.message_id, exc)
            failures.record(
                self.session_factory, consumer=name, message_id=properties.message_id, error=exc, dead=True
            )
            settle = functools.partial(channel.basic_nack, delivery_tag, requeue=False)
        except Exception as exc:  # noqa: BLE001 - temporary failures and bugs alike are retried, then dead-lettered
            earlier = int((properties.headers or {}).get("x-delivery-count", 0) or 0)
            delay = retry_delay(
                failures=earlier + 1, base_seconds=self.retry_base_seconds, max_seconds=self.retry_max_seconds
            )
            log.warning(
                "%s: message %s failed (delivery %d): %s; retrying in %.1fs",
                name,
                properties.message_id,
                earlier + 1,
                exc,
                delay,
            )
            # The broker dead-letters a delivery requeued more than its limit: this nack is the last.
            failures.record(
                self.session_factory,
                consumer=name,
                message_id=properties.message_id,
                error=exc,
                dead=earlier + 1 > self.topology.delivery_limit,
            )
            stop.wait(delay)
            settle = functools.partial(channel.basic_nack, delivery_tag, requeue=True)

        def settle_if_open() -> None:
            if channel.is_open:
                settle()

        try:
            connection.add_callback_threadsafe(settle_if_open)
        except BROKER_ERRORS:
            log.info("%s: connection closed before settling; the broker will redeliver", name)


# -- dead letters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeadLetter:
    consumer: str
    message_id: str
    event_type: str
    reason: str
    death_count: int
    dead_since: datetime | None
    body: bytes


def _death_details(headers: dict[str, Any]) -> tuple[str, int, datetime | None]:
    deaths = headers.get("x-death") or []
    if not deaths:
        return str(headers.get("x-first-death-reason", "unknown")), 0, None
    first = deaths[0]
    reason = first.get("reason", b"unknown")
    reason = reason.decode() if isinstance(reason, bytes) else str(reason)
    count = sum(int(death.get("count", 1)) for death in deaths)
    return reason, count, first.get("time")


def list_dead_letters(
    url: str, *, topology: Topology, consumers: Iterable[str], limit: int = 100
) -> list[DeadLetter]:
    """Read (without removing) up to `limit` messages from the consumers' dead-letter queues.

    Messages are fetched unacknowledged and the channel is closed, which returns them to their queue.
    Raises BrokerUnavailable.
    """
    letters: list[DeadLetter] = []
    try:
        with pika.BlockingConnection(connection_parameters(url)) as connection:
            for consumer in consumers:
                channel = connection.channel()
                try:
                    while len(letters) < limit:
                        method, properties, body = channel.basic_get(topology.dead_letter_queue(consumer))
                        if method is None:
                            break
                        reason, count, since = _death_details(properties.headers or {})
                        letters.append(
                            DeadLetter(
                                consumer=consumer,
                                message_id=str(properties.message_id),
                                event_type=str(properties.type or ""),
                                reason=reason,
                                death_count=count,
                                dead_since=since,
                                body=body,
                            )
                        )
                finally:
                    channel.close()  # unacked -> back in the DLQ
    except BROKER_ERRORS as exc:
        raise BrokerUnavailable(f"cannot read dead letters: {exc}") from exc
    return letters


def replay_dead_letters(
    url: str, *, topology: Topology, consumers: Iterable[str], message_ids: frozenset[str] | None = None
) -> list[tuple[str, str]]:
    """Move dead letters back to their consumer's queue; returns (consumer, message_id) of those moved.

    Each is republished straight to its own consumer's queue (not to every subscriber of the event type)
    with confirms, and removed from the DLQ only after the broker confirmed the copy; a crash in between
    leaves a duplicate, which the idempotent consumer ignores. Raises BrokerUnavailable.
    """
    moved: list[tuple[str, str]] = []
    try:
        with pika.BlockingConnection(connection_parameters(url)) as connection:
            for consumer in consumers:
                channel = connection.channel()
                channel.confirm_delivery()
                try:
                    while True:
                        method, properties, body = channel.basic_get(topology.dead_letter_queue(consumer))
                        if method is None:
                            break
                        if message_ids is not None and str(properties.message_id) not in message_ids:
                            continue  # left unacked: returns to the DLQ when the channel closes
                        headers = {
                            key: value
                            for key, value in (properties.headers or {}).items()
                            if not key.startswith("x-")
                        }
                        headers["warddesk-replays"] = int(headers.get("warddesk-replays", 0)) + 1
                        copy = spec.BasicProperties(
                            content_type=properties.content_type,
                            delivery_mode=DeliveryMode.Persistent.value,
                            message_id=properties.message_id,
                            type=properties.type,
                            timestamp=properties.timestamp,
                            headers=headers,
                        )
                        channel.basic_publish("", topology.queue(consumer), body, copy, mandatory=True)
                        channel.basic_ack(method.delivery_tag)
                        moved.append((consumer, str(properties.message_id)))
                finally:
                    if channel.is_open:
                        channel.close()
    except BROKER_ERRORS as exc:
        raise BrokerUnavailable(f"cannot replay dead letters: {exc}") from exc
    return moved


def declare_topology(url: str, *, topology: Topology, subscriptions: Iterable[Subscription]) -> None:
    """Declare the whole topology once (idempotent). Raises BrokerUnavailable."""
    try:
        with pika.BlockingConnection(connection_parameters(url)) as connection:
            declare(connection.channel(), topology, subscriptions)
    except BROKER_ERRORS as exc:
        raise BrokerUnavailable(f"cannot declare the topology: {exc}") from exc
