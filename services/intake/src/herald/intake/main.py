"""Intake's composition root."""

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from herald.intake.adapters.advisers import HttpAdviser
from herald.intake.adapters.postgres import PgRequestRepository
from herald.intake.dry_run import DryRun
from herald.intake.handlers import RequestHandler, build_router
from herald.intake.http.requests import build_http, openapi_components
from herald.intake.metrics import IntakeMetrics
from herald.intake.settings import IntakeSettings
from herald.intake.submission import Intake
from herald.runtime.clock import Clock, utc_now
from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app

MIGRATIONS = Path(__file__).parent / "migrations"


def create_app(settings: IntakeSettings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    settings = settings or IntakeSettings()
    rt = build_runtime("intake", settings)
    repo = PgRequestRepository(rt.db)
    metrics = IntakeMetrics(rt.registry, settings.tenant_set)
    intake = Intake(repo, rt.events, clock, metrics)
    on_request = RequestHandler(intake, rt.dlq, metrics, lambda: settings.limits(clock()))
    router = build_router(rt.consumers(), on_request, repo)
    timeout = settings.dry_run_timeout_s
    dry_runs = DryRun(
        repo,
        HttpAdviser("review", settings.review_url, timeout),
        HttpAdviser("scheduler", settings.scheduler_url, timeout),
    )
    http = build_http(intake, repo, rt.auth, settings, metrics, clock, dry_runs)
    app = create_service_app(
        rt,
        routers=[router],
        http=[http],
        migrations=MIGRATIONS,
        body_limits={"/v1/requests": settings.max_payload_bytes},
    )
    _document_push_request(app)
    return app


def _document_push_request(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(
                openapi_components()
            )
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
