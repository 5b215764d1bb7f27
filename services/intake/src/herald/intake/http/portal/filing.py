"""The portal's form for filing a request: a dry run first, then the request itself.

Both go through intake's one `Filing` path, as `POST /v1/requests` and its dry run do:
the same validation, tenant check and identity rule (the requester is the logged-in
key's holder; the form has no field for it). The dry run asks review and the scheduler
with the user's own key. "File" is offered only with a dry run of exactly this request:
the button carries a seal of the request's hash (an HMAC under the session's CSRF
token); if the form changed since, the portal runs the dry run again instead of filing.
"""

import hashlib
import hmac
import json
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from herald.intake.domain import Verdict
from herald.intake.dry_run import AdvisersUnavailable
from herald.intake.filing import Filing
from herald.intake.http.portal import form as request_form
from herald.intake.http.portal import views
from herald.intake.http.portal.scope import may_file
from herald.intake.http.portal.web import LOGIN, Pages
from herald.intake.ports import AdviserRefused
from herald.runtime.clock import Clock
from herald.runtime.problems import Problem
from herald.runtime.tracing import bind_trace, request_trace_id
from herald.runtime.websessions import Form, WebSession
from herald.runtime.websessions.pages import see_other

CANNOT = "Filing needs a submitter or admin key with a department; this key may only look."


def _digest(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def seal(s: WebSession, digest: str) -> str:
    return hmac.new(s.csrf.encode(), digest.encode(), hashlib.sha256).hexdigest()


class FilingPages:
    def __init__(self, pages: Pages, filing: Filing, clock: Clock, timezone: str) -> None:
        self._p, self._filing, self._clock, self._timezone = pages, filing, clock, timezone

    def _form_page(self, s: WebSession, v: Form, status: int = 200, **context: Any) -> Response:
        context.setdefault("dry", None)
        context.setdefault("problems", [])
        context.setdefault("checked", "")
        context.setdefault("changed", False)
        fields: dict[str, list[str]] = {}
        for p in context["problems"]:
            fields.setdefault(p.field, []).append(p.message)
        return self._p.page(
            s,
            "new.html",
            status,
            v=v,
            field_problems=fields,
            open_variants=_variants_used(fields, v),
            channels=request_form.CHANNELS,
            categories=request_form.CATEGORIES,
            priorities=request_form.PRIORITIES,
            **context,
        )

    async def _filer(self, request: Request) -> WebSession | Response:
        """The session of someone who may file, or the page they get instead."""
        s = await self._p.session(request)
        if s is None:
            return see_other(LOGIN)
        if not may_file(s.principal):
            return self._p.page(s, "missing.html", 403, what="filing", error=CANNOT)
        return s

    async def new(self, request: Request) -> Response:
        s = await self._filer(request)
        if isinstance(s, Response):
            return s
        rid = views.new_request_id(s.principal.department, self._clock())
        defaults = {
            "request_id": [rid],
            "category": ["marketing"],
            "priority": ["normal"],
            "channels": ["app_push"],
            "audience": ["recipients"],
            "timezone": [self._timezone],
        }
        return self._form_page(s, Form(defaults))

    async def post(self, request: Request) -> Response:
        s = await self._filer(request)
        if isinstance(s, Response):
            return s
        v = await self._p.sessions.form(request, s)
        if v is None:
            problem = request_form.FormProblem("", "The form expired or is too large: try again.")
            return self._form_page(s, Form(), 403, problems=[problem])
        drafted = request_form.draft(v, s.principal)
        if drafted.problems:
            return self._form_page(s, v, 422, problems=drafted.problems)
        raw, digest = json.dumps(drafted.body).encode(), _digest(drafted.body)
        trace_id = request_trace_id()
        bind_trace(trace_id)
        checked = v.get("action") == "file" and hmac.compare_digest(
            v.get("checked").encode(), seal(s, digest).encode()
        )
        if checked:
            return await self._file(s, v, raw, trace_id)
        return await self._rehearse(s, v, raw, digest, trace_id, v.get("action") == "file")

    async def _rehearse(
        self, s: WebSession, v: Form, raw: bytes, digest: str, trace_id: str, changed: bool
    ) -> Response:
        try:
            answer = await self._filing.rehearse(raw, s.principal, s.authorization, trace_id)
        except Problem as refused:
            return self._form_page(s, v, refused.status, problems=_problems(refused))
        except AdvisersUnavailable as exc:
            why = f"The dry run could not ask {' and '.join(exc.names)}: try again shortly."
            return self._form_page(s, v, 503, problems=[request_form.FormProblem("", why)])
        except AdviserRefused as exc:
            why = f"{exc.name} refused the dry run: {exc.problem.get('detail') or exc.status}"
            return self._form_page(s, v, exc.status, problems=[request_form.FormProblem("", why)])
        dry = views.dry_run(answer.model_dump(mode="json"))
        return self._form_page(s, v, dry=dry, checked=seal(s, digest), changed=changed)

    async def _file(self, s: WebSession, v: Form, raw: bytes, trace_id: str) -> Response:
        try:
            result = await self._filing.submit(raw, s.principal, trace_id)
        except Problem as refused:
            return self._form_page(s, v, refused.status, problems=_problems(refused))
        rid = v.get("request_id").strip()
        if result.verdict in (Verdict.ACCEPTED, Verdict.DUPLICATE):
            return see_other(f"/portal/requests/{rid}")
        if result.verdict == Verdict.CONFLICT:
            why = "was used before for a different request: choose another id"
            return self._form_page(
                s, v, 409, problems=[request_form.FormProblem("request_id", why)]
            )
        reasons = result.status.reasons if result.status else ()
        why = "; ".join(r.message for r in reasons) or "intake refused the request"
        return self._form_page(s, v, 403, problems=[request_form.FormProblem("", why)])


def _variants_used(problems: dict[str, list[str]], v: Form) -> bool:
    """Open the per-channel wording when it holds something or something is wrong there."""
    return any(k.startswith("v_") and (k in problems or v.get(k)) for k in [*problems, *v.fields])


def _problems(refused: Problem) -> list[request_form.FormProblem]:
    """The API's problem as the form's: each field error beside its field."""
    found = []
    for e in refused.extra.get("errors") or []:
        path, message = str(e["field"]), str(e["message"])
        where = request_form.form_field(path)
        found.append(request_form.FormProblem(where, message if where else f"{path}: {message}"))
    return found or [request_form.FormProblem("", refused.detail or refused.title)]
