"""Operational endpoints: liveness, readiness, metrics — and where they are served.

With `HTTP_ADMIN_PORT` set (every deployment manifest sets it), `/readyz` with its
details, `/metrics` and (when `HTTP_DOCS` asks for them) the API docs are served on that
port only, which the NetworkPolicy opens to Prometheus and the kubelet alone; the public
port keeps `/healthz` and a `/readyz` that says ready or not, never why. Without an
admin port (a laptop), everything is on the one port, and `/readyz` still names only the
parts that are not ready: exception text goes to the log, not to whoever asks.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, FastAPI, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

Ready = Callable[[], Awaitable[dict[str, str]]]
"""The service's readiness problems, by part, with their detail."""


def health_routes(ready: Ready, *, detailed: bool) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "alive"}

    @router.get("/readyz")
    async def readyz(response: Response) -> dict[str, Any]:
        problems = await ready()
        response.status_code = 503 if problems else 200
        shown = problems if detailed else dict.fromkeys(problems, "not ready")
        return {"ready": not problems, "problems": shown}

    return router


def metrics_routes(registry: CollectorRegistry) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    @router.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def admin_app(name: str, ready: Ready, registry: CollectorRegistry) -> FastAPI:
    """The admin port's app: readiness with its details, and the metrics."""
    app = FastAPI(title=f"Herald {name} (admin)", docs_url=None, redoc_url=None, openapi_url=None)
    app.include_router(health_routes(ready, detailed=True))
    app.include_router(metrics_routes(registry))
    return app


def install(
    app: FastAPI, name: str, ready: Ready, registry: CollectorRegistry, admin_port: int | None
) -> None:
    """Put the operational endpoints where the settings say (see the module docstring)."""
    app.include_router(health_routes(ready, detailed=False))
    if admin_port:
        app.state.admin = admin_app(name, ready, registry)
    else:
        app.include_router(metrics_routes(registry))
