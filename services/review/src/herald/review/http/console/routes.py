"""The review console's routes (under /console, outside the OpenAPI schema).

Entry points stay thin: read the session and the form, then call the same service layer
as the JSON API (`Reviewer.decide_by_human` behind the four-eyes check), so statuses,
approved envelopes, audit rows and strikes are identical whichever way a human decides.
"""

from fastapi import APIRouter, Request
from fastapi.responses import Response
from fastapi.security import HTTPAuthorizationCredentials

from herald.contracts import StatusKind
from herald.review.board import Board, NotShownError, visible
from herald.review.domain import HumanDecision, may_decide_on
from herald.review.http.console import views, web
from herald.review.http.console.session import Session, Signer
from herald.review.ports import ReviewRepository
from herald.review.reviewing import Reviewer
from herald.review.settings import ReviewSettings
from herald.review.violations import Violations
from herald.runtime.auth import Authenticator, Role
from herald.runtime.clock import Clock
from herald.runtime.problems import Problem

_REVIEWERS = (Role.REVIEWER, Role.ADMIN)
_LOGIN = "/console/login"
_BOARD = "/console/violations"


class Console:
    def __init__(
        self,
        settings: ReviewSettings,
        secret: str,
        reviewer: Reviewer,
        repo: ReviewRepository,
        violations: Violations,
        auth: Authenticator,
        clock: Clock,
        board: Board,
    ) -> None:
        self._signer, self._reviewer, self._repo = Signer(secret), reviewer, repo
        self._board = board
        self._violations, self._auth, self._clock = violations, auth, clock
        self._secure, self._ttl = (
            settings.console_cookie_secure,
            int(settings.console_session_ttl_s),
        )
        self._env, self._css = web.templates(), (web.HERE / "static" / "console.css").read_bytes()

    def _session(self, request: Request, *, board: bool = False) -> Session | None:
        """The reviewer's session (or, with `board`, one the violations board admits)."""
        found = self._signer.session(request.cookies.get(web.SESSION_COOKIE), self._clock())
        if found is None:
            return None
        ok = found.principal.role in _REVIEWERS or (board and self._sees_board(found))
        return found if ok else None

    def _sees_board(self, s: Session) -> bool:
        return visible(self._board.policy(), s.principal)

    def _page(self, s: Session, name: str, status: int = 200, **context: object) -> Response:
        return web.page(
            self._env, name, status, who=s.principal, csrf=self._signer.csrf(s),
            board_link=self._sees_board(s), **context,
        )  # fmt: skip

    async def _form(self, request: Request, s: Session | None) -> dict[str, str] | None:
        """The form, if it is one, same-site and (with a session) carries its CSRF token."""
        fields = await web.form(request)
        if fields is None or web.cross_site(request):
            return None
        if s is not None and not self._signer.csrf_ok(s, fields.get("csrf", "")):
            return None
        return fields

    async def stylesheet(self) -> Response:
        answer = web.secured(Response(self._css, media_type="text/css; charset=utf-8"))
        answer.headers["Cache-Control"] = "public, max-age=3600"
        return answer

    async def login_form(self) -> Response:
        return web.page(self._env, "login.html")

    async def login(self, request: Request) -> Response:
        fields = await self._form(request, None)
        if fields is None:
            return web.page(self._env, "login.html", 400, error="The form could not be read.")
        key = HTTPAuthorizationCredentials(
            scheme="Bearer", credentials=fields.get("key", "").strip()
        )
        try:
            who = self._auth.principal(key)
        except Problem:
            return web.page(self._env, "login.html", 401, error="Unknown or revoked API key.")
        board_only = who.role not in _REVIEWERS
        if board_only and not visible(self._board.policy(), who):
            error = f"A {who.role} key may not review: use a reviewer or admin key."
            return web.page(self._env, "login.html", 403, error=error)
        # a fixed page, never a redirect target taken from the request
        answer = web.see_other(_BOARD if board_only else "/console/")
        token = self._signer.open_session(who, self._clock(), self._ttl)
        web.set_cookie(answer, web.SESSION_COOKIE, token, self._ttl, self._secure)
        return answer

    async def logout(self, request: Request) -> Response:
        s = self._session(request)
        if s is not None and await self._form(request, s) is None:
            return self._page(s, "login.html", 403, error="The form expired: log out again.")
        answer = web.see_other(_LOGIN)
        web.drop_cookie(answer, web.SESSION_COOKIE, self._secure)
        return answer

    async def queue(self, request: Request) -> Response:
        s = self._session(request)
        if s is None:
            return web.see_other(_BOARD if self._session(request, board=True) else _LOGIN)
        now = self._clock()
        found = await self._repo.listing(s.principal.tenant, StatusKind.PENDING_REVIEW, 200)
        flash = self._signer.verify("flash", request.cookies.get(web.FLASH_COOKIE, ""), now)
        items = [views.queue_item(r, now) for r in found]
        answer = self._page(s, "queue.html", items=items, flash=str(flash["m"]) if flash else None)
        if web.FLASH_COOKIE in request.cookies:
            web.drop_cookie(answer, web.FLASH_COOKIE, self._secure)
        return answer

    async def one(self, request_id: str, request: Request) -> Response:
        s = self._session(request)
        return await self._show(s, request_id) if s else web.see_other(_LOGIN)

    async def _show(
        self, s: Session, request_id: str, status: int = 200, error: str = ""
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
        s = self._session(request)
        if s is None:
            return web.see_other(_LOGIN)
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
        return self._flashed(web.see_other("/console/"), message)

    async def violations(self, request: Request) -> Response:
        s = self._session(request, board=True)
        if s is None:
            return web.see_other(_LOGIN)
        try:
            board = await self._board.listing(s.principal)
        except NotShownError:  # the policy changed since the login
            return web.see_other(_LOGIN)
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
    reviewer: Reviewer,
    repo: ReviewRepository,
    violations: Violations,
    auth: Authenticator,
    clock: Clock,
    board: Board,
) -> list[APIRouter]:
    """The console's router, or none when `CONSOLE_SESSION_SECRET` is unset (all 404)."""
    if settings.console_session_secret is None:
        return []
    secret = settings.console_session_secret.get_secret_value()
    c = Console(settings, secret, reviewer, repo, violations, auth, clock, board)
    api = APIRouter(prefix="/console", include_in_schema=False)
    api.add_api_route("/static/console.css", c.stylesheet, methods=["GET"])
    api.add_api_route("/login", c.login_form, methods=["GET"])
    api.add_api_route("/login", c.login, methods=["POST"])
    api.add_api_route("/logout", c.logout, methods=["POST"])
    api.add_api_route("/", c.queue, methods=["GET"])
    api.add_api_route("/violations", c.violations, methods=["GET"])
    api.add_api_route("/requests/{request_id}", c.one, methods=["GET"])
    api.add_api_route("/requests/{request_id}/decision", c.decide, methods=["POST"])
    return [api]
