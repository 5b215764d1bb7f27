"""The portal's pages about requests: log in and out, the list, one request's timeline,
and cancelling it (the API's cancel rule: `http.cancel.cancel_as`)."""

from fastapi import Request
from fastapi.responses import Response

from herald.contracts import ID_PATTERN_RE
from herald.intake.http.cancel import cancel_as
from herald.intake.http.portal import views
from herald.intake.http.portal.scope import department_scope, may_file, may_see
from herald.intake.http.portal.web import LOGIN, Pages
from herald.intake.ports import FiledRequests, RequestRepository
from herald.intake.submission import Intake
from herald.runtime.clock import Clock
from herald.runtime.problems import Problem
from herald.runtime.websessions import LoginRefused, WebSession
from herald.runtime.websessions.pages import see_other

LIST_LIMIT = 200


class RequestPages:
    def __init__(
        self,
        pages: Pages,
        filed: FiledRequests,
        intake: Intake,
        repo: RequestRepository,
        clock: Clock,
    ) -> None:
        self._p, self._filed, self._intake, self._repo = pages, filed, intake, repo
        self._clock = clock

    async def login_form(self, request: Request) -> Response:
        if await self._p.session(request) is not None:
            return see_other("/portal/")
        return self._p.page(None, "login.html")

    async def login(self, request: Request) -> Response:
        form = await self._p.sessions.form(request, None)
        if form is None:
            return self._p.page(None, "login.html", 400, error="The form could not be read.")
        answer = see_other("/portal/")  # always the list: no redirect target is taken
        try:
            await self._p.sessions.log_in(form.get("key").strip(), answer)
        except LoginRefused as refused:
            return self._p.page(None, "login.html", refused.status, error=refused.message)
        return answer

    async def logout(self, request: Request) -> Response:
        s = await self._p.session(request)
        if s is not None and await self._p.sessions.form(request, s) is None:
            return self._p.page(s, "login.html", 403, error="The form expired: log out again.")
        answer = see_other(LOGIN)
        await self._p.sessions.log_out(request, answer)
        return answer

    async def listing(self, request: Request) -> Response:
        s = await self._p.session(request)
        if s is None:
            return see_other(LOGIN)
        scope = department_scope(s.principal)
        found = await self._filed.listing(s.principal.tenant, scope, LIST_LIMIT)
        items = [views.listed(f) for f in found]
        still = request.query_params.get("still") == "1"
        moving = views.busy(found, self._clock())
        refresh = self._p.refresh_s if moving and not still else None
        return self._p.page(
            s,
            "list.html",
            items=items,
            scope=scope,
            refresh=refresh,
            still=still,
            may_file=may_file(s.principal),
            limit=LIST_LIMIT,
        )

    async def one(self, request_id: str, request: Request) -> Response:
        s = await self._p.session(request)
        if s is None:
            return see_other(LOGIN)
        q = request.query_params
        return await self.show(
            s, request_id, q.get("done") == "cancel", still=q.get("still") == "1"
        )

    async def show(
        self,
        s: WebSession,
        request_id: str,
        cancelling: bool = False,
        status: int = 200,
        error: str = "",
        still: bool = False,
    ) -> Response:
        filed = await self._filed.filed(s.principal.tenant, request_id)
        if filed is None or not may_see(s.principal, filed.department):
            return self._p.missing(s, f"request {request_id}")
        history = await self._filed.history(s.principal.tenant, request_id)
        latest = history[-1] if history else filed.status
        flight = views.in_flight(latest)
        return self._p.page(
            s,
            "request.html",
            status,
            r=views.listed(filed),
            timeline=views.timeline(history),
            in_flight=flight,
            refresh=self._p.refresh_s if flight and not still else None,
            still=still,
            may_cancel=flight and may_file(s.principal),
            cancelling=cancelling and flight,
            error=error,
        )

    async def cancel(self, request_id: str, request: Request) -> Response:
        s = await self._p.session(request)
        if s is None:
            return see_other(LOGIN)
        if await self._p.sessions.form(request, s) is None:
            return await self.show(s, request_id, status=403, error="The form expired: try again.")
        if not ID_PATTERN_RE.match(request_id):
            return self._p.missing(s, "that request")
        filed = await self._filed.filed(s.principal.tenant, request_id)
        if filed is None or not may_see(s.principal, filed.department):
            return self._p.missing(s, f"request {request_id}")
        try:
            await cancel_as(s.principal, request_id, self._intake, self._repo)
        except Problem as refused:
            return await self.show(s, request_id, status=refused.status, error=refused.detail or "")
        return see_other(f"/portal/requests/{request_id}?done=cancel")
