"""OpenTelemetry tracing, switched on by configuration (`OTEL_EXPORTER_OTLP_ENDPOINT`).

Imported only when tracing is on: the SDK and the OTLP exporter cost start-up time.

Intake's trace id (32 hex digits, a valid W3C trace id) is the trace id of every span of
a request, so traces and log lines share one id and the spans of all five services join
one trace:
- a publish through `KafkaEventBus` opens one PRODUCER span per trace id among its items
  and sends it as a W3C `traceparent` header (and the trace id as `correlation_id`, the
  header FastStream links a batch's span by);
- that span continues the producer span of the record that carried the same trace id
  into this batch (remembered by `UpstreamSpans`), or the current span if it has that id
  (intake's HTTP request); else it starts the trace, under that id (`AdoptedTraceIds`);
- FastStream's `KafkaTelemetryMiddleware` adds a span per consumed batch, linked to the
  records' producer spans; HTTP requests get server spans from the ASGI middleware.
"""

import asyncio
import re
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from faststream import BaseMiddleware
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from faststream.message import StreamMessage
from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import Link, NonRecordingSpan, Span, SpanContext, SpanKind, StatusCode
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator

from herald.runtime.settings import ServiceSettings

CORRELATION_HEADER = "correlation_id"
NOT_TRACED_PATHS = "/metrics$,/healthz$,/readyz$"
_PROPAGATOR = TraceContextTextMapPropagator()
_HEX32 = re.compile(r"[0-9a-f]{32}")
_adopted: ContextVar[int | None] = ContextVar("herald_adopted_trace_id", default=None)
_upstream: ContextVar[Mapping[int, SpanContext] | None] = ContextVar(
    "herald_upstream_spans", default=None
)


def otel_trace_id(trace_id: str | None) -> int | None:
    """Herald's trace id as an OpenTelemetry one; None if it is not a valid W3C trace id
    (a client may send any `x-trace-id`)."""
    if trace_id is None or not _HEX32.fullmatch(trace_id):
        return None
    return int(trace_id, 16) or None


class AdoptedTraceIds(RandomIdGenerator):
    """Random ids, except that a trace started while `_adopted` is set takes that id."""

    def generate_trace_id(self) -> int:
        return _adopted.get() or super().generate_trace_id()

    def is_trace_id_random(self) -> bool:
        return False  # a client-given x-trace-id need not be random


class UpstreamSpans(BaseMiddleware[Any, Any]):
    """While a batch is handled: the producer span of each trace id in it, by trace id."""

    async def consume_scope(self, call_next: Any, msg: StreamMessage[Any]) -> Any:
        found = {}
        for headers in msg.batch_headers or [msg.headers]:
            context = trace.get_current_span(_PROPAGATOR.extract(headers)).get_span_context()
            if context.is_valid:
                found[context.trace_id] = context
        token = _upstream.set(found)
        try:
            return await call_next(msg)
        finally:
            _upstream.reset(token)


class PublishSpans:
    """herald.runtime.events.PublishTracer on OpenTelemetry."""

    def __init__(self, provider: TracerProvider) -> None:
        self._tracer = provider.get_tracer("herald.runtime.events")

    @contextmanager
    def spans(self, topic: str, trace_ids: Sequence[str | None]) -> Iterator[list[dict[str, str]]]:
        opened: dict[str | None, tuple[Span, dict[str, str]]] = {}
        for trace_id, count in Counter(trace_ids).items():
            span = self._start(topic, trace_id, count)
            headers: dict[str, str] = {}
            _PROPAGATOR.inject(headers, trace.set_span_in_context(span))
            if otel_trace_id(trace_id) is not None and trace_id is not None:
                headers[CORRELATION_HEADER] = trace_id
            opened[trace_id] = (span, headers)
        try:
            yield [opened[t][1] for t in trace_ids]
        except Exception as exc:
            for span, _ in opened.values():
                span.record_exception(exc)
                span.set_status(StatusCode.ERROR, f"{type(exc).__name__}: {exc}")
            raise
        finally:
            for span, _ in opened.values():
                span.end()

    def _start(self, topic: str, trace_id: str | None, count: int) -> Span:
        attributes: dict[str, str | int] = {
            "messaging.system": "kafka",
            "messaging.destination.name": topic,
            "messaging.operation": "publish",
        }
        if count > 1:
            attributes["messaging.batch.message_count"] = count
        name, kind = f"{topic} publish", SpanKind.PRODUCER
        wanted = otel_trace_id(trace_id)
        current = trace.get_current_span().get_span_context()
        if wanted is None or current.trace_id == wanted:
            return self._tracer.start_span(name, kind=kind, attributes=attributes)
        links = [Link(current)] if current.is_valid else []
        upstream = (_upstream.get() or {}).get(wanted)
        if upstream is not None:
            parent = trace.set_span_in_context(NonRecordingSpan(upstream), Context())
            return self._tracer.start_span(name, parent, kind, attributes, links)
        token = _adopted.set(wanted)
        try:
            return self._tracer.start_span(name, Context(), kind, attributes, links)
        finally:
            _adopted.reset(token)


@dataclass(frozen=True)
class Telemetry:
    """The tracer provider of one service, and what installs it in the service's parts."""

    provider: TracerProvider

    def broker_middlewares(self) -> list[Any]:
        return [UpstreamSpans, KafkaTelemetryMiddleware(tracer_provider=self.provider)]

    def publish_tracer(self) -> PublishSpans:
        return PublishSpans(self.provider)

    def instrument(self, app: FastAPI) -> None:
        app.add_middleware(
            OpenTelemetryMiddleware,
            excluded_urls=NOT_TRACED_PATHS,
            tracer_provider=self.provider,
            exclude_spans=["receive", "send"],  # a span per ASGI message is only noise
        )

    async def shutdown(self) -> None:
        """Flush the spans still queued (the exporter blocks: not on the event loop)."""
        await asyncio.to_thread(self.provider.shutdown)


def telemetry(service: str, processor: SpanProcessor) -> Telemetry:
    """`service.name` is herald-<service>; the sampler comes from `OTEL_TRACES_SAMPLER`."""
    provider = TracerProvider(
        resource=Resource.create({SERVICE_NAME: f"herald-{service}"}),
        id_generator=AdoptedTraceIds(),
    )
    provider.add_span_processor(processor)
    return Telemetry(provider)


def otlp_telemetry(service: str, settings: ServiceSettings) -> Telemetry:
    """Spans batched and sent by OTLP over HTTP from a background thread."""
    exporter = OTLPSpanExporter(endpoint=settings.otel_traces_url)
    return telemetry(service, BatchSpanProcessor(exporter))
