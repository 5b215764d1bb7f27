"""The dry run's HTTP answer: what would happen (200), or who could not be asked (503)."""

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from herald.contracts import PushRequest, ReasonCode
from herald.contracts.internal import Submitter
from herald.intake.dry_run import AdvisersUnavailable, DryRun
from herald.intake.ports import AdviserRefused
from herald.runtime.problems import Problem, problem_response
from herald.runtime.tracing import TRACE_HEADER

DRY_RUN_DOC = (
    "Validate, run every review rule and the scheduler's rules, and answer 200 with what "
    "would happen (review's decision and findings, audience, suppressions, deferrals, "
    "send-time spread); nothing is sent or stored"
)
SUBMIT_200: dict[str, Any] = {
    "description": "Duplicate (the original Status), or with dry_run=true what would happen",
    "content": {
        "application/json": {
            "schema": {
                "anyOf": [
                    {"$ref": "#/components/schemas/Status"},
                    {"$ref": "#/components/schemas/DryRunAnswer"},
                ]
            }
        }
    },
}


async def dry_run_answer(
    dry_runs: DryRun, parsed: PushRequest, submitter: Submitter, request: Request, trace_id: str
) -> JSONResponse:
    """Ask the advisers with the caller's own key and trace id; combine their answers."""
    authorization = request.headers.get("authorization", "")
    try:
        answer = await dry_runs.run(parsed, submitter, authorization, trace_id)
    except AdvisersUnavailable as exc:
        down = Problem(
            503,
            ReasonCode.UNAVAILABLE,
            "Service unavailable",
            f"the dry run could not ask {' and '.join(exc.names)}: {exc}",
            unavailable=exc.names,
        )
        response = problem_response(down, request)
        response.headers.update({"retry-after": "2", TRACE_HEADER: trace_id})
        return response
    except AdviserRefused as exc:
        detail = exc.problem.get("detail") or exc.problem.get("title") or "refused"
        raise Problem(
            exc.status,
            _code(exc.problem.get("code")),
            f"{exc.name} refused the dry run",
            f"{exc.name}: {detail}",
        ) from exc
    return JSONResponse(answer.model_dump(mode="json"), 200, headers={TRACE_HEADER: trace_id})


def _code(value: object) -> ReasonCode:
    try:
        return ReasonCode(str(value))
    except ValueError:
        return ReasonCode.UNAUTHORIZED
