"""Intake's composition root."""

from datetime import timedelta
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.openapi.utils import get_openapi

from herald.intake.adapters.advisers import HttpAdviser
from herald.intake.adapters.callbacks.outbox import PgOutbox
from herald.intake.adapters.callbacks.poster import PinnedPoster
from herald.intake.adapters.callbacks.subscriptions import PgSubscriptionStore
from herald.intake.adapters.directory import HttpDirectory
from herald.intake.adapters.filed import PgFiledRequests
from herald.intake.adapters.postgres import PgRequestRepository
from herald.intake.adapters.templates import PgTemplateStore
from herald.intake.adapters.tracker import HttpReportReader
from herald.intake.callbacks.metrics import CallbackMetrics
from herald.intake.callbacks.outbox import CallbackOutbox
from herald.intake.callbacks.retrying import Backoff
from herald.intake.callbacks.sender import Sender, SendPolicy
from herald.intake.callbacks.subscriptions import Rules, Subscriptions
from herald.intake.domain import Limits
from herald.intake.dry_run import DryRun
from herald.intake.filing import Filing
from herald.intake.handlers import RequestHandler, build_router
from herald.intake.http.callback_deliveries import build_deliveries_http
from herald.intake.http.callbacks import build_callbacks_http
from herald.intake.http.cancel import build_cancel_http
from herald.intake.http.portal.routes import PortalParts, build_portal
from herald.intake.http.recipients import IMPORT_PATH, build_recipients_http
from herald.intake.http.requests import build_http, openapi_components
from herald.intake.http.templates import build_templates_http
from herald.intake.manifest import MANIFEST
from herald.intake.metrics import IntakeMetrics
from herald.intake.recipients.importing import Importer, ImportLimits
from herald.intake.recipients.publisher import KafkaRecipientPublisher
from herald.intake.settings import IntakeSettings
from herald.intake.submission import Intake
from herald.intake.templates.resolving import Resolver
from herald.intake.templates.service import Templates
from herald.runtime.clock import Clock, utc_now
from herald.runtime.egress.addresses import Targets
from herald.runtime.loops import Wakeup, every, housekeeping
from herald.runtime.openapi_limits import with_413
from herald.runtime.service import Runtime, build_runtime
from herald.runtime.service import create_app as create_service_app
from herald.runtime.websessions.postgres import PgSessionStore


def create_app(
    settings: IntakeSettings | None = None,
    *,
    clock: Clock = utc_now,
    callback_targets: Targets | None = None,
) -> FastAPI:
    """The app. `callback_targets` replaces the address policy the settings describe
    (tests: a resolver of their own, loopback receivers)."""
    settings = settings or IntakeSettings()
    rt = build_runtime("intake", settings)
    repo = PgRequestRepository(rt.db)
    metrics = IntakeMetrics(rt.registry, settings.tenant_set)
    intake = Intake(repo, rt.events, clock, metrics)
    templates = Templates(PgTemplateStore(rt.db), rt.events, clock)
    resolver = Resolver(PgTemplateStore(rt.db))

    def limits() -> Limits:
        return settings.limits(clock())

    on_request = RequestHandler(intake, rt.dlq, metrics, limits, resolver)
    callbacks, callback_http = _callbacks(rt, settings, clock, callback_targets)
    router = build_router(rt.consumers(), on_request, repo, callbacks, templates)
    timeout = settings.dry_run_timeout_s
    dry_runs = DryRun(
        repo,
        HttpAdviser("review", settings.review_url, timeout),
        HttpAdviser("scheduler", settings.scheduler_url, timeout),
    )
    filing = Filing(intake, dry_runs, metrics, limits, resolver)
    http = [
        build_http(filing, repo, rt.auth, settings, dry_runs),
        build_cancel_http(intake, repo, rt.auth),
        build_templates_http(templates, rt.auth),
        *callback_http,
        _recipients(rt, settings),
    ]
    reports = HttpReportReader(settings.tracker_url, settings.reports_timeout_s)
    parts = PortalParts(filing, intake, repo, PgFiledRequests(rt.db), reports)
    portal = build_portal(settings, PgSessionStore(rt.db, "intake"), parts, rt.auth, clock)
    if portal is not None:
        http.append(portal[0])
        rt.add_loop("portal_sessions_purge", every(300, portal[1].purge, on_failure=housekeeping))
    app = create_service_app(
        rt,
        routers=[router],
        http=http,
        migrations=MANIFEST.migrations,
        body_limits={
            "/v1/requests": settings.max_payload_bytes,
            "/v1/templates": settings.max_payload_bytes,
            IMPORT_PATH: settings.recipients_import_max_bytes,
        },
    )
    _document_push_request(app)
    return app


def _recipients(rt: Runtime, s: IntakeSettings) -> APIRouter:
    """The recipient API: imports and erasures published as the caller's tenant's."""
    publisher = KafkaRecipientPublisher(rt.events, s.record_key_map)
    limits = ImportLimits(s.recipients_import_batch, s.recipients_import_max_line_bytes)
    directory = HttpDirectory(s.scheduler_url, s.directory_timeout_s)
    return build_recipients_http(Importer(publisher, limits), publisher, directory, rt.auth)


def _callbacks(
    rt: Runtime, settings: IntakeSettings, clock: Clock, targets: Targets | None
) -> tuple[CallbackOutbox, list[APIRouter]]:
    """Status callbacks: the outbox the status consumer fills, the sender loop, the API."""
    s, metrics = settings, CallbackMetrics(rt.registry)
    store, outbox = PgSubscriptionStore(rt.db), PgOutbox(rt.db)
    targets = targets or Targets(s.callbacks_allow_private, s.callback_networks)
    max_age = timedelta(seconds=s.callbacks_max_age_s)
    poster = PinnedPoster(targets, s.callbacks_allow_http, s.callbacks_timeout_s, 100)
    rt.on_close(poster.close)
    policy = SendPolicy(
        Backoff(s.callbacks_backoff_base_s, s.callbacks_backoff_max_s),
        lease=timedelta(seconds=2 * s.callbacks_timeout_s + 5),
        per_subscription=s.callbacks_concurrency,
        batch=s.callbacks_batch,
        disable_after=s.callbacks_disable_after,
    )
    sender = Sender(outbox, poster, policy, clock, metrics)
    full, queued = s.callbacks_batch, Wakeup()
    step = every(
        s.callbacks_interval_s,
        sender.round,
        again=lambda n: n >= full,
        on_failure=lambda _e: metrics.loop_failures.inc(),
        wakeup=queued,
    )
    rt.add_loop("callbacks", step)
    kept, failed = timedelta(days=s.callbacks_retention_days), metrics.loop_failures.inc
    purge = every(3600, lambda: outbox.purge(clock() - kept), on_failure=lambda _e: failed())
    rt.add_loop("callbacks-retention", purge)
    grace = timedelta(seconds=s.callbacks_rotation_grace_s)
    subscriptions = Subscriptions(
        store, outbox, Rules(s.callbacks_allow_http, targets, max_age, grace), clock
    )
    http = [
        build_callbacks_http(subscriptions, store, rt.auth),
        build_deliveries_http(subscriptions, store, outbox, rt.auth),
    ]
    return CallbackOutbox(store, outbox, max_age, clock, metrics, queued.set), http


def _document_push_request(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(title=app.title, version=app.version, routes=app.routes)
            schema.setdefault("components", {}).setdefault("schemas", {}).update(
                openapi_components()
            )
            app.openapi_schema = with_413(schema)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
