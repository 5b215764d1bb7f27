"""Request metrics for every service's HTTP app, by method, route template and status.

Labelled by the route's template (`/v1/requests/{request_id}`), never the raw path, so
that the number of series stays bounded; a request no route matched counts under
`unmatched`. Prometheus's own scrapes of `/metrics` are not counted.
"""

import time

from prometheus_client import CollectorRegistry
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from herald.runtime.metrics import Metrics
from herald.runtime.transient import TRANSIENT

UNMATCHED = "unmatched"
NOT_COUNTED = frozenset({"/metrics"})
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class HttpMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        m = Metrics(registry, "herald")
        self.requests = m.counter(
            "http_requests",
            "HTTP requests answered, by method, route template and status.",
            "method",
            "route",
            "status",
        )
        self.duration = m.histogram(
            "http_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            "method",
            "route",
        )

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        method = method if method in METHODS else "other"  # a client may send any word
        self.requests.labels(method, route, str(status)).inc()
        self.duration.labels(method, route).observe(seconds)


def route_template(scope: Scope) -> str:
    """The template of the route the router matched (it sets `scope["route"]`)."""
    route = scope.get("route")
    template = getattr(route, "path_format", None) or getattr(route, "path", None)
    return template if isinstance(template, str) else UNMATCHED


class HttpMetricsMiddleware:
    """Pure ASGI middleware (no body buffering, streaming untouched)."""

    def __init__(self, app: ASGIApp, metrics: HttpMetrics) -> None:
        self._app = app
        self._metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        status = 0
        start = time.perf_counter()

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self._app(scope, receive, send_status)
        except Exception as exc:
            # answered outside this middleware, by herald.runtime.problems' handler
            status = status or (503 if isinstance(exc, TRANSIENT) else 500)
            raise
        finally:
            route = route_template(scope)
            if route not in NOT_COUNTED:
                self._metrics.observe(scope["method"], route, status, time.perf_counter() - start)
