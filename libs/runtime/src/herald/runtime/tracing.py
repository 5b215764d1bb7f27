"""The trace id intake assigns rides in the `x-trace-id` header and in every log line."""

import secrets

import structlog

TRACE_HEADER = "x-trace-id"


def new_trace_id() -> str:
    return secrets.token_hex(16)


def bind_trace(trace_id: str | None) -> None:
    if trace_id:
        structlog.contextvars.bind_contextvars(trace_id=trace_id)
    else:
        structlog.contextvars.unbind_contextvars("trace_id")


def trace_headers(trace_id: str | None) -> dict[str, str]:
    return {TRACE_HEADER: trace_id} if trace_id else {}
