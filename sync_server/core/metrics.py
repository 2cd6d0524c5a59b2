"""Prometheus metrics of the HTTP layer: requests by route template and status, latency, sync push and
pull sizes, long polls waiting. Each app has its own registry (no global state); collectors that read the
database are added by the composition root (`health/metrics.py`).

Counters live in one process: with `serve --workers N`, each worker answers /metrics with its own
(scrape each, or run one worker per container, docs/operations.md)."""

from __future__ import annotations

import time

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)
SIZE_BUCKETS = (256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304)
PUSH_ROUTE = "/sync/push"
PULL_ROUTE = "/sync/pull"


class HttpMetrics:
    """The metrics one app records about its requests."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.registry = registry
        self.requests = Counter(
            "warddesk_http_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "warddesk_http_request_duration_seconds",
            "Time to the start of the answer, by method and route template.",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.push_bytes = Histogram(
            "warddesk_sync_push_bytes", "Size of sync push bodies.", buckets=SIZE_BUCKETS, registry=registry
        )
        self.pull_bytes = Histogram(
            "warddesk_sync_pull_bytes", "Size of sync pull answers.", buckets=SIZE_BUCKETS, registry=registry
        )
        self.long_polls = Gauge(
            "warddesk_sync_long_polls", "Desktops waiting in a sync long poll now.", registry=registry
        )


def _is_long_poll(scope: Scope) -> bool:
    for part in scope.get("query_string", b"").split(b"&"):
        name, _, value = part.partition(b"=")
        if name == b"wait":
            try:
                return float(value) > 0
            except ValueError:
                return False
    return False


class MetricsMiddleware:
    """Records every HTTP request in `metrics` (route templates only: unmatched paths share one label)."""

    def __init__(self, app: ASGIApp, *, metrics: HttpMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        metrics = self.metrics
        started = time.perf_counter()
        path = scope["path"]
        sent = 0
        status = 500
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
            return message

        async def counting_send(message: Message) -> None:
            nonlocal sent, status
            if message["type"] == "http.response.start":
                status = message["status"]
                route = getattr(scope.get("route"), "path", None) or "<unmatched>"
                metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - started)
            elif message["type"] == "http.response.body":
                sent += len(message.get("body", b""))
            await send(message)

        long_poll = path == PULL_ROUTE and _is_long_poll(scope)
        if long_poll:
            metrics.long_polls.inc()
        try:
            await self.app(scope, counting_receive if path == PUSH_ROUTE else receive, counting_send)
        finally:
            if long_poll:
                metrics.long_polls.dec()
            route = getattr(scope.get("route"), "path", None) or "<unmatched>"
            metrics.requests.labels(scope["method"], route, str(status)).inc()
            if path == PUSH_ROUTE:
                metrics.push_bytes.observe(received)
            elif path == PULL_ROUTE and status == 200:
                metrics.pull_bytes.observe(sent)
