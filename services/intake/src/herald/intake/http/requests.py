"""Intake's HTTP API: submit and read the latest status (cancel: `http.cancel`). Same
rules as the Kafka path; over HTTP the submitter is the API key's holder."""

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from herald.contracts import PushRequest, ReasonCode, Status
from herald.intake.domain import Verdict
from herald.intake.dry_run import DryRun, DryRunAnswer
from herald.intake.filing import Filing
from herald.intake.http.dry_run import DRY_RUN_DOC, SUBMIT_200, dry_run_answer
from herald.intake.ports import RequestRepository
from herald.intake.settings import IntakeSettings
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.problems import Problem, problems
from herald.runtime.tracing import TRACE_HEADER, bind_trace, request_trace_id


def _status_body(status: Status | None) -> dict[str, Any]:
    return status.model_dump(mode="json") if status else {}


def build_http(
    filing: Filing,
    repo: RequestRepository,
    auth: Authenticator,
    settings: IntakeSettings,
    dry_runs: DryRun,
) -> APIRouter:
    api = APIRouter(prefix="/v1/requests", tags=["requests"])

    @api.post(
        "",
        status_code=202,
        response_model=Status,
        responses={200: SUBMIT_200, **problems(400, 401, 403, 409, 413, 503)},
        openapi_extra={
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": "#/components/schemas/PushRequest"}}
                },
            }
        },
    )
    async def submit(
        request: Request,
        who: Annotated[Principal, auth.requires(Role.SUBMITTER)],
        dry_run: Annotated[bool, Query(description=DRY_RUN_DOC)] = False,
    ) -> JSONResponse:
        """Submit a PushRequest: 202 accepted, 200 duplicate (with the original status).
        The submitter is the API key's holder: a body whose `requester` names another user
        or department is refused (403 `unauthorized`, naming the field and both values),
        and so is a key without a department."""
        raw = await _read_limited(request, settings.max_payload_bytes)
        if dry_run:
            return await _rehearse(filing, dry_runs, raw, request, who)
        trace_id = request.headers.get(TRACE_HEADER) or request_trace_id()
        bind_trace(trace_id)
        result = await filing.submit(raw, who, trace_id)
        return _answer(result.verdict, result.status, trace_id)

    @api.get("/{request_id}", response_model=Status, responses=problems(401, 403, 404))
    async def get_status(
        request_id: str,
        who: Annotated[Principal, auth.requires(Role.SUBMITTER, Role.REVIEWER, Role.VIEWER)],
    ) -> JSONResponse:
        """The latest Status of a request of the caller's tenant."""
        record = await repo.get(who.tenant, request_id)
        if record is None or record.status is None:
            raise Problem(404, ReasonCode.NOT_FOUND, "Not found", f"no request {request_id}")
        return JSONResponse(_status_body(record.status))

    return api


async def _rehearse(
    filing: Filing, dry_runs: DryRun, raw: bytes, request: Request, who: Principal
) -> JSONResponse:
    """The dry run: the real path's validation, tenant and identity checks, then the
    advisers."""
    trace_id = request.headers.get(TRACE_HEADER) or request_trace_id()
    bind_trace(trace_id)
    parsed, submitter = await filing.check(raw, who)
    return await dry_run_answer(dry_runs, parsed, submitter, request, trace_id)


async def _read_limited(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > limit:
        raise _too_large(int(declared), limit)
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            raise _too_large(len(body), limit)
    return bytes(body)


def _too_large(size: int, limit: int) -> Problem:
    return Problem(
        413,
        ReasonCode.INVALID_REQUEST,
        "Payload too large",
        f"payload is at least {size} bytes, the limit is {limit}",
    )


def _answer(verdict: Verdict, status: Status | None, trace_id: str) -> JSONResponse:
    headers = {TRACE_HEADER: trace_id}
    if verdict == Verdict.ACCEPTED:
        return JSONResponse(_status_body(status), 202, headers=headers)
    if verdict == Verdict.DUPLICATE:
        return JSONResponse(_status_body(status), 200, headers=headers)
    if verdict == Verdict.CONFLICT:
        raise Problem(
            409,
            ReasonCode.DUPLICATE,
            "Conflict",
            "this request_id was submitted before with a different body",
        )
    reasons = status.reasons if status else ()
    code = reasons[0].code if reasons else ReasonCode.REQUESTER_RESTRICTED
    raise Problem(403, code, "Rejected", reasons[0].message if reasons else None)


def openapi_components() -> dict[str, Any]:
    """PushRequest's schema for the OpenAPI document (the body is read raw, see submit)."""
    schema = PushRequest.model_json_schema(ref_template="#/components/schemas/{model}")
    defs = schema.pop("$defs", {})
    answer = DryRunAnswer.model_json_schema(ref_template="#/components/schemas/{model}")
    defs |= answer.pop("$defs", {})
    return {"PushRequest": schema, **defs, "DryRunAnswer": answer}
