"""Intake's composition root."""

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from herald.intake.adapters.advisers import HttpAdviser
from herald.intake.adapters.filed import PgFiledRequests
from herald.intake.adapters.postgres import PgRequestRepository
from herald.intake.adapters.tracker import HttpReportReader
from herald.intake.dry_run import DryRun
from herald.intake.filing import Filing
from herald.intake.handlers import RequestHandler, build_router
from herald.intake.http.cancel import build_cancel_http
from herald.intake.http.portal.routes import PortalParts, build_portal
from herald.intake.http.requests import build_http, openapi_components
from herald.intake.metrics import IntakeMetrics
from herald.intake.settings import IntakeSettings
from herald.intake.submission import Intake
from herald.runtime.clock import Clock, utc_now
from herald.runtime.loops import every
from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app
from herald.runtime.websessions.postgres import PgSessionStore

MIGRATIONS = Path(__file__).parent / "migrations"


def _ignore(_exc: BaseException) -> None:
    """Housekeeping that fails (logged) leaves readiness alone: the next round retries."""


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
    filing = Filing(intake, dry_runs, metrics, lambda: settings.limits(clock()))
    http = [
        build_http(filing, repo, rt.auth, settings, dry_runs),
        build_cancel_http(intake, repo, rt.auth),
    ]
    reports = HttpReportReader(settings.tracker_url, settings.reports_timeout_s)
    parts = PortalParts(filing, intake, repo, PgFiledRequests(rt.db), reports)
    portal = build_portal(settings, PgSessionStore(rt.db, "intake"), parts, rt.auth, clock)
    if portal is not None:
        http.append(portal[0])
        rt.add_loop("portal_sessions_purge", every(300, portal[1].purge, on_failure=_ignore))
    app = create_service_app(
        rt,
        routers=[router],
        http=http,
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
