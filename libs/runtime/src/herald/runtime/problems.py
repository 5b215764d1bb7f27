"""RFC 9457 problem details, each carrying a reason code from the contract."""

from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from starlette.exceptions import HTTPException

from herald.contracts import ReasonCode, describe_validation_error
from herald.runtime.transient import TRANSIENT

PROBLEM_JSON = "application/problem+json"


class FieldProblem(BaseModel):
    field: str
    message: str


class ProblemDetails(BaseModel):
    """The body of every error (RFC 9457), with the contract's reason code."""

    type: str
    title: str
    status: int
    code: str
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldProblem] | None = None


def _inline_schema() -> dict[str, Any]:
    """ProblemDetails' schema with its one nested model inlined (no `$defs` to resolve)."""
    schema = ProblemDetails.model_json_schema()
    field = schema.pop("$defs")["FieldProblem"]
    schema["properties"]["errors"]["anyOf"][0]["items"] = field
    return schema


PROBLEM_RESPONSE: dict[str, Any] = {
    "description": "An error, as application/problem+json",
    "content": {PROBLEM_JSON: {"schema": _inline_schema()}},
}
"""For OpenAPI `responses=`: an error answered as problem+json."""


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses=` for these error statuses (422 always: it replaces FastAPI's)."""
    return dict.fromkeys({*statuses, 422}, PROBLEM_RESPONSE)


log = structlog.get_logger(__name__)


class Problem(Exception):  # noqa: N818 - the RFC's name
    def __init__(
        self,
        status: int,
        code: ReasonCode,
        title: str,
        detail: str | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.code = code
        self.title = title
        self.detail = detail
        self.extra = extra

    def body(self, instance: str | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "type": f"https://herald.dev/problems/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": str(self.code),
        }
        if self.detail:
            body["detail"] = self.detail
        if instance:
            body["instance"] = instance
        return body | self.extra


def problem_response(problem: Problem, request: Request | None = None) -> JSONResponse:
    instance = request.url.path if request is not None else None
    return JSONResponse(problem.body(instance), problem.status, media_type=PROBLEM_JSON)


def invalid(exc: ValidationError | RequestValidationError, status: int = 422) -> Problem:
    if isinstance(exc, ValidationError):
        errors = [{"field": e.field, "message": e.message} for e in describe_validation_error(exc)]
    else:
        errors = [
            {
                "field": ".".join(str(p) for p in e["loc"][1:] if p != "body") or "body",
                "message": str(e["msg"]).removeprefix("Value error, "),
            }
            for e in exc.errors()
        ]
    detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return Problem(status, ReasonCode.INVALID_REQUEST, "Invalid request", detail, errors=errors)


_HTTP_CODES = {
    401: ReasonCode.UNAUTHORIZED,
    403: ReasonCode.UNAUTHORIZED,
    404: ReasonCode.NOT_FOUND,
}


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, Problem)
        return problem_response(exc, request)

    async def on_validation(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return problem_response(invalid(exc), request)

    async def on_http(request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, HTTPException)
        code = _HTTP_CODES.get(exc.status_code, ReasonCode.INVALID_REQUEST)
        return problem_response(Problem(exc.status_code, code, str(exc.detail)), request)

    async def on_error(request: Request, exc: Exception) -> JSONResponse:
        if isinstance(exc, TRANSIENT):
            log.warning("http_dependency_unavailable", path=request.url.path, error=str(exc))
            unavailable = Problem(
                503,
                ReasonCode.UNAVAILABLE,
                "Service unavailable",
                "a dependency is unavailable; retry shortly",
            )
            response = problem_response(unavailable, request)
            response.headers["retry-after"] = "2"
            return response
        log.exception("http_unhandled_error", path=request.url.path)
        return problem_response(Problem(500, ReasonCode.INTERNAL_ERROR, "Internal error"), request)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
    app.add_exception_handler(Exception, on_error)
