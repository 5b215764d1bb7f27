"""The trace id intake assigns rides in the `x-trace-id` header and in every log line."""

import secrets

import structlog
from opentelemetry import trace

TRACE_HEADER = "x-trace-id"


def new_trace_id() -> str:
    return secrets.token_hex(16)


def request_trace_id() -> str:
    """For an HTTP request: the id of the trace OpenTelemetry already runs it in (when
    tracing is on), so the request's spans and its events share one trace; else a new id.
    (Not for a Kafka batch: its span is shared by every record in it.)"""
    context = trace.get_current_span().get_span_context()
    return trace.format_trace_id(context.trace_id) if context.is_valid else new_trace_id()


def bind_trace(trace_id: str | None) -> None:
    if trace_id:
        structlog.contextvars.bind_contextvars(trace_id=trace_id)
    else:
        structlog.contextvars.unbind_contextvars("trace_id")


def trace_headers(trace_id: str | None) -> dict[str, str]:
    return {TRACE_HEADER: trace_id} if trace_id else {}
