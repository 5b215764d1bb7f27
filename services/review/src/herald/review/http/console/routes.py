"""The review console's routes (under /console, outside the OpenAPI schema).

Entry points stay thin: read the session and the form, then call the same service layer
as the JSON API (`Reviewer.decide_by_human` behind the four-eyes check), so statuses,
approved envelopes, audit rows and strikes are identical whichever way a human decides.
Sessions are the runtime's (herald.runtime.websessions): kept in `review.web_sessions`,
the key checked again on every request, ended when idle, revoked by logging out.
"""

from datetime import timedelta

from fastapi import APIRouter, Request
from fastapi.responses import Response

from herald.contracts import StatusKind
from herald.review.board import Board
from herald.review.domain import HumanDecision, may_decide_on
from herald.review.domain.board import NotShownError, visible
from herald.review.http.console import views, web
from herald.review.http.console.flash import Signer
from herald.review.ports import ReviewRepository
from herald.review.reviewing import Reviewer
from herald.review.settings import ReviewSettings
from herald.review.violations import Violations
from herald.runtime.auth import Authenticator, Role, hash_key
from herald.runtime.clock import Clock
from herald.runtime.websessions import (
    Form,
    LoginRefused,
    SessionPolicy,
    SessionStore,
    WebSession,
    WebSessions,
)
from herald.runtime.websessions.pages import secured, see_other

_LOGIN = "/console/login"
_BOARD = "/console/violations"
_REVIEWERS = frozenset({Role.REVIEWER, Role.ADMIN})


def session_policy(settings: ReviewSettings) -> SessionPolicy:
    return SessionPolicy(
        "console",
        # every role may hold a session; each page says which roles it serves (reviewers
        # the queue, the violations board whomever its policy shows it to)
        frozenset(Role),
        idle=timedelta(seconds=settings.console_idle_timeout_s),
        lifetime=timedelta(seconds=settings.console_session_ttl_s),
        secure_cookie=settings.console_cookie_secure,
        max_form_bytes=web.MAX_FORM_BYTES,
    )


class Console:
    def __init__(
        self,
        sessions: WebSessions,
        signer: Signer,
        reviewer: Reviewer,
        repo: ReviewRepository,
        violations: Violations,
        clock: Clock,
        board: Board,
        auth: Authenticator,
    ) -> None:
        self._sessions, self._signer, self._reviewer, self._repo = sessions, signer, reviewer, repo
        self._violations, self._clock, self._board, self._auth = violations, clock, board, auth
        self._secure = sessions.policy.secure_cookie
        self._env, self._css = web.templates(), (web.HERE / "static" / "console.css").read_bytes()

    async def _session(self, request: Request, *, board: bool = False) -> WebSession | None:
        """The reviewer's session (or, with `board`, one the violations board admits)."""
        found = await self._sessions.current(request)
        if found is None:
            return None
        ok = found.principal.role in _REVIEWERS or (board and self._sees_board(found))
        return found if ok else None

    def _sees_board(self, s: WebSession) -> bool:
        return visible(self._board.policy(), s.principal)

    def _page(self, s: WebSession, name: str, status: int = 200, **context: object) -> Response:
        return web.page(
            self._env, name, status, who=s.principal, csrf=s.csrf,
            board_link=self._sees_board(s), **context,
        )  # fmt: skip

    async def _form(self, request: Request, s: WebSession | None) -> Form | None:
        """The form, if it is one, same-site and (with a session) carries its CSRF token."""
        return await self._sessions.form(request, s)

    async def stylesheet(self) -> Response:
        answer = secured(Response(self._css, media_type="text/css; charset=utf-8"))
        answer.headers["Cache-Control"] = "public, max-age=3600"
        return answer

    async def login_form(self) -> Response:
        return web.page(self._env, "login.html")

    async def login(self, request: Request) -> Response:
        fields = await self._form(request, None)
        if fields is None:
            return web.page(self._env, "login.html", 400, error="The form could not be read.")
        key = fields.get("key").strip()
        who = self._auth.holder(hash_key(key)) if key else None
        board_only = who is not None and who.role not in _REVIEWERS
        if who is not None and board_only and not visible(self._board.policy(), who):
            error = f"A {who.role} key may not review: use a reviewer or admin key."
            return web.page(self._env, "login.html", 403, error=error)
        # a fixed page, never a redirect target taken from the request
        answer = see_other(_BOARD if board_only else "/console/")
        try:
            await self._sessions.log_in(key, answer)
        except LoginRefused as refused:
            return web.page(self._env, "login.html", refused.status, error=refused.message)
        return answer

    async def logout(self, request: Request) -> Response:
        s = await self._session(request)
        if s is not None and await self._form(request, s) is None:
            return self._page(s, "login.html", 403, error="The form expired: log out again.")
        answer = see_other(_LOGIN)
        await self._sessions.log_out(request, answer)
        return answer

    async def queue(self, request: Request) -> Response:
        s = await self._session(request)
        if s is None:
            board = await self._session(request, board=True)
            return see_other(_BOARD if board else _LOGIN)
        now = self._clock()
        found = await self._repo.listing(s.principal.tenant, StatusKind.PENDING_REVIEW, 200)
        flash = self._signer.verify("flash", request.cookies.get(web.FLASH_COOKIE, ""), now)
        items = [views.queue_item(r, now) for r in found]
        answer = self._page(s, "queue.html", items=items, flash=str(flash["m"]) if flash else None)
        if web.FLASH_COOKIE in request.cookies:
            web.drop_cookie(answer, web.FLASH_COOKIE, self._secure)
        return answer

    async def one(self, request_id: str, request: Request) -> Response:
        s = await self._session(request)
        return await self._show(s, request_id) if s else see_other(_LOGIN)

    async def _show(
        self, s: WebSession, request_id: str, status: int = 200, error: str = ""
    ) -> Response:
        review = await self._repo.get(s.principal.tenant, request_id)
        if review is None:
            return self._page(s, "missing.html", 404, request_id=request_id)
        standings = await self._violations.standings(
            review.tenant, review.requester or "", review.department or ""
        )
        r = views.detail(review, s.principal, standings, self._clock())
        return self._page(s, "detail.html", status, r=r, error=error)

    async def decide(self, request_id: str, request: Request) -> Response:
        s = await self._session(request)
        if s is None:
            return see_other(_LOGIN)
        fields = await self._form(request, s)
        if fields is None:
            return await self._show(
                s, request_id, 403, "The form expired: reload and decide again."
            )
        choice, note = fields.get("decision"), fields.get("note", "").strip()[:2000]
        if choice not in ("approve", "reject"):
            return await self._show(s, request_id, 400, "Choose approve or reject.")
        review = await self._repo.get(s.principal.tenant, request_id)
        who = s.principal
        if review is None or not may_decide_on(who.user, who.key_id, review.envelope):
            return await self._show(s, request_id, 403)  # the page says why: four eyes
        human = HumanDecision(choice == "approve", s.principal.user, note)
        decided = await self._reviewer.decide_by_human(s.principal.tenant, request_id, human)
        if decided is None:
            now_is = await self._repo.get(s.principal.tenant, request_id)
            message = f"{request_id} is no longer pending ({views.state_of(now_is or review)})."
        else:
            message = f"{request_id} {'approved' if human.approve else 'rejected'}."
        return self._flashed(see_other("/console/"), message)

    async def violations(self, request: Request) -> Response:
        s = await self._session(request, board=True)
        if s is None:
            return see_other(_LOGIN)
        try:
            board = await self._board.listing(s.principal)
        except NotShownError:  # the policy changed since the login
            return see_other(_LOGIN)
        may_review = s.principal.role in _REVIEWERS
        return self._page(s, "violations.html", board=board, may_review=may_review)

    def _flashed(self, response: Response, message: str) -> Response:
        token = self._signer.sign(
            "flash", {"m": message, "exp": int(self._clock().timestamp()) + 60}
        )
        web.set_cookie(response, web.FLASH_COOKIE, token, 60, self._secure)
        return response


def build_console(
    settings: ReviewSettings,
    store: SessionStore,
    reviewer: Reviewer,
    repo: ReviewRepository,
    violations: Violations,
    auth: Authenticator,
    clock: Clock,
    board: Board,
) -> tuple[APIRouter, WebSessions] | None:
    """The console's router and its sessions, or None when `CONSOLE_SESSION_SECRET` is
    unset (the console is then off: every path 404)."""
    if settings.console_session_secret is None:
        return None
    secret = settings.console_session_secret.get_secret_value()
    sessions = WebSessions(store, auth, secret, session_policy(settings), clock)
    c = Console(sessions, Signer(secret), reviewer, repo, violations, clock, board, auth)
    api = APIRouter(prefix="/console", include_in_schema=False)
    api.add_api_route("/static/console.css", c.stylesheet, methods=["GET"])
    api.add_api_route("/login", c.login_form, methods=["GET"])
    api.add_api_route("/login", c.login, methods=["POST"])
    api.add_api_route("/logout", c.logout, methods=["POST"])
    api.add_api_route("/", c.queue, methods=["GET"])
    api.add_api_route("/requests/{request_id}", c.one, methods=["GET"])
    api.add_api_route("/requests/{request_id}/decision", c.decide, methods=["POST"])
    api.add_api_route("/violations", c.violations, methods=["GET"])
    return api, sessions
