"""The portal's router (under /portal, outside the OpenAPI schema): its sessions, pages
and stylesheet, wired from intake's own parts."""

from dataclasses import dataclass
from datetime import timedelta

from fastapi import APIRouter
from fastapi.responses import Response

from herald.intake.filing import Filing
from herald.intake.http.portal.filing import FilingPages
from herald.intake.http.portal.reports import ReportPages
from herald.intake.http.portal.requests import RequestPages
from herald.intake.http.portal.web import HERE, Pages
from herald.intake.ports import FiledRequests, ReportReader, RequestRepository
from herald.intake.settings import IntakeSettings
from herald.intake.submission import Intake
from herald.runtime.auth import Authenticator, Role
from herald.runtime.clock import Clock
from herald.runtime.websessions import SessionPolicy, SessionStore, WebSessions
from herald.runtime.websessions.pages import secured

MAX_FORM_BYTES = 256 * 1024
"""A request form: content up to the contract's limits and a few thousand recipient ids."""


# deliberate declaration: the services the portal's pages use, one field each
@dataclass(frozen=True)
class PortalParts:
    """What the portal uses of intake: the one filing path, cancelling, its records, and
    tracker's reports."""

    filing: Filing
    intake: Intake
    repo: RequestRepository
    filed: FiledRequests
    reports: ReportReader


def session_policy(settings: IntakeSettings) -> SessionPolicy:
    return SessionPolicy(
        "portal",
        frozenset({Role.SUBMITTER, Role.VIEWER, Role.ADMIN}),
        idle=timedelta(seconds=settings.portal_idle_timeout_s),
        lifetime=timedelta(seconds=settings.portal_session_ttl_s),
        secure_cookie=settings.portal_cookie_secure,
        keep_key=True,  # to ask review, the scheduler and tracker as the user
        max_form_bytes=MAX_FORM_BYTES,
    )


def build_portal(
    settings: IntakeSettings,
    store: SessionStore,
    parts: PortalParts,
    auth: Authenticator,
    clock: Clock,
) -> tuple[APIRouter, WebSessions] | None:
    """The portal's router and sessions; None when `PORTAL_SESSION_SECRET` is unset (the
    portal is then off: every path 404)."""
    if settings.portal_session_secret is None:
        return None
    secret = settings.portal_session_secret.get_secret_value()
    sessions = WebSessions(store, auth, secret, session_policy(settings), clock)
    pages = Pages(sessions, settings.portal_refresh_s)
    req = RequestPages(pages, parts.filed, parts.intake, parts.repo, clock)
    new = FilingPages(pages, parts.filing, clock, settings.portal_timezone)
    rep = ReportPages(pages, parts.filed, parts.reports, clock)
    css = (HERE / "static" / "portal.css").read_bytes()

    async def stylesheet() -> Response:
        answer = secured(Response(css, media_type="text/css; charset=utf-8"))
        answer.headers["Cache-Control"] = "public, max-age=3600"
        return answer

    api = APIRouter(prefix="/portal", include_in_schema=False)
    # deliberate declaration: the portal's route table, one row per page and method
    for path, handler, method in (
        ("/static/portal.css", stylesheet, "GET"),
        ("/login", req.login_form, "GET"),
        ("/login", req.login, "POST"),
        ("/logout", req.logout, "POST"),
        ("/", req.listing, "GET"),
        ("/new", new.new, "GET"),
        ("/new", new.post, "POST"),
        ("/requests/{request_id}", req.one, "GET"),
        ("/requests/{request_id}/cancel", req.cancel, "POST"),
        ("/requests/{request_id}/report", rep.request_report, "GET"),
        ("/requests/{request_id}/report.csv", rep.request_csv, "GET"),
        ("/reports", rep.range_page, "GET"),
        ("/reports.csv", rep.range_csv, "GET"),
    ):
        api.add_api_route(path, handler, methods=[method])
    return api, sessions
