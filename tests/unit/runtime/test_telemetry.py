"""OpenTelemetry, when configured: intake's trace id is the trace id of every span."""

import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from faststream.kafka.opentelemetry import KafkaTelemetryMiddleware
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, TraceFlags
from pydantic import BaseModel

from herald.contracts import Topic
from herald.runtime.service import Runtime, build_runtime
from herald.runtime.settings import ServiceSettings
from herald.runtime.telemetry import UpstreamSpans, telemetry
from herald.runtime.tracing import TRACE_HEADER, new_trace_id
from tests.unit.runtime.fakes import FakeProducer

REQUIRED = {"database_url": "postgresql://herald@127.0.0.1/herald", "tenants": "acme"}


class Happened(BaseModel):
    trace_id: str
    n: int = 0


@pytest.fixture
def spans() -> InMemorySpanExporter:
    return InMemorySpanExporter()


@pytest.fixture
def traced(spans: InMemorySpanExporter) -> Iterator[tuple[Runtime, FakeProducer]]:
    rt = build_runtime("review", ServiceSettings(**REQUIRED), telemetry(
        "review", SimpleSpanProcessor(spans)
    ))  # fmt: skip
    producer = FakeProducer()
    rt.events._producer = producer
    yield rt, producer
    assert rt.telemetry is not None
    rt.telemetry.provider.shutdown()


def traceparent(headers: dict[str, str]) -> tuple[str, str]:
    version, trace_id, span_id, _flags = headers["traceparent"].split("-")
    assert version == "00"
    return trace_id, span_id


def only_span(spans: InMemorySpanExporter) -> ReadableSpan:
    [span] = spans.get_finished_spans()
    return span


def test_telemetry_installs_the_faststream_middleware_and_the_publish_tracer(
    traced: tuple[Runtime, FakeProducer],
) -> None:
    rt, _ = traced
    assert any(isinstance(m, KafkaTelemetryMiddleware) for m in rt.broker.middlewares)
    assert UpstreamSpans in rt.broker.middlewares
    assert rt.events._tracer is not None


async def test_a_publish_carries_a_traceparent_with_the_events_trace_id(
    traced: tuple[Runtime, FakeProducer], spans: InMemorySpanExporter
) -> None:
    rt, producer = traced
    trace_id = new_trace_id()
    await rt.events.publish(Topic.ACCEPTED, "r-1", Happened(trace_id=trace_id))

    [sent] = producer.sent
    assert sent.headers[TRACE_HEADER] == trace_id
    assert sent.headers["correlation_id"] == trace_id
    span = only_span(spans)
    assert traceparent(sent.headers) == (trace_id, trace.format_span_id(span.context.span_id))
    assert trace.format_trace_id(span.context.trace_id) == trace_id
    assert span.kind is SpanKind.PRODUCER
    assert span.name == f"{Topic.ACCEPTED} publish"
    assert span.resource.attributes["service.name"] == "herald-review"


async def test_one_span_per_trace_id_in_a_batch_and_each_item_carries_its_own(
    traced: tuple[Runtime, FakeProducer], spans: InMemorySpanExporter
) -> None:
    rt, producer = traced
    a, b = new_trace_id(), new_trace_id()
    items = [("k1", Happened(trace_id=a)), ("k2", Happened(trace_id=b, n=1)),
             ("k3", Happened(trace_id=a, n=2))]  # fmt: skip
    await rt.events.publish_many(Topic.SENDS, items)

    assert [traceparent(s.headers)[0] for s in producer.sent] == [a, b, a]
    by_trace = {trace.format_trace_id(s.context.trace_id): s for s in spans.get_finished_spans()}
    assert set(by_trace) == {a, b}
    assert by_trace[a].attributes is not None
    assert by_trace[a].attributes["messaging.batch.message_count"] == 2


async def test_a_publish_while_handling_a_batch_continues_the_records_producer_span(
    traced: tuple[Runtime, FakeProducer], spans: InMemorySpanExporter
) -> None:
    rt, producer = traced
    trace_id, upstream_span = new_trace_id(), "00f067aa0ba902b7"
    received = SimpleNamespace(
        headers={}, batch_headers=[{"traceparent": f"00-{trace_id}-{upstream_span}-01"}]
    )

    async def handle(_msg: Any) -> None:
        await rt.events.publish(Topic.SENDS, "r-1", Happened(trace_id=trace_id))

    await UpstreamSpans(None, context=None).consume_scope(handle, received)  # type: ignore[arg-type]

    span = only_span(spans)
    assert span.parent is not None
    assert span.parent.trace_id == int(trace_id, 16)
    assert span.parent.span_id == int(upstream_span, 16)
    assert traceparent(producer.sent[0].headers)[0] == trace_id


async def test_a_trace_id_that_is_not_w3c_still_rides_in_x_trace_id_without_a_correlation(
    traced: tuple[Runtime, FakeProducer], spans: InMemorySpanExporter
) -> None:
    rt, producer = traced
    await rt.events.publish(Topic.STATUS, "r-1", b"{}", {TRACE_HEADER: "client-chose-this"})

    [sent] = producer.sent
    assert sent.headers[TRACE_HEADER] == "client-chose-this"
    assert "correlation_id" not in sent.headers
    assert traceparent(sent.headers)[0] == trace.format_trace_id(only_span(spans).context.trace_id)


def test_settings_switch_tracing_on_only_with_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    assert ServiceSettings(**REQUIRED).otel_traces_url is None
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")
    assert ServiceSettings(**REQUIRED).otel_traces_url == "http://collector:4318/v1/traces"
    rt = build_runtime("tracker", ServiceSettings(**REQUIRED))
    assert rt.telemetry is not None
    assert any(isinstance(m, KafkaTelemetryMiddleware) for m in rt.broker.middlewares)
    rt.telemetry.provider.shutdown()
    monkeypatch.setenv("OTEL_SDK_DISABLED", "true")
    assert ServiceSettings(**REQUIRED).otel_traces_url is None


def test_with_tracing_off_nothing_is_installed_nor_the_sdk_imported() -> None:
    check = textwrap.dedent(f"""
        import sys
        from herald.runtime.service import build_runtime, create_app
        from herald.runtime.settings import ServiceSettings
        rt = build_runtime("intake", ServiceSettings(**{REQUIRED!r}))
        create_app(rt)
        assert rt.telemetry is None and rt.events._tracer is None
        assert len(rt.broker.middlewares) == 1, rt.broker.middlewares
        loaded = sorted(m for m in sys.modules if m.startswith(("opentelemetry.sdk",
            "opentelemetry.exporter", "opentelemetry.instrumentation", "herald.runtime.telemetry")))
        assert not loaded, loaded
    """)
    env = {k: v for k, v in os.environ.items() if not k.startswith("OTEL_")}
    out = subprocess.run(
        [sys.executable, "-c", check], capture_output=True, text=True, env=env, check=False
    )
    assert out.returncode == 0, out.stderr


async def test_through_faststream_a_batch_handler_publish_joins_the_records_trace(
    traced: tuple[Runtime, FakeProducer], spans: InMemorySpanExporter
) -> None:
    from faststream.kafka import TestKafkaBroker

    rt, producer = traced
    trace_id, upstream_span = new_trace_id(), "00f067aa0ba902b7"

    @rt.broker.subscriber("herald-test-telemetry", batch=True)
    async def handle(_bodies: list[bytes]) -> None:
        await rt.events.publish(Topic.SENDS, "r-1", Happened(trace_id=trace_id))

    upstream = SpanContext(int(trace_id, 16), int(upstream_span, 16), True, TraceFlags(1))
    async with TestKafkaBroker(rt.broker) as broker:
        # FastStream's own publish writes the traceparent: in the trace of the current span
        with trace.use_span(NonRecordingSpan(upstream)):
            await broker.publish(b"{}", "herald-test-telemetry", correlation_id=trace_id)

    finished = spans.get_finished_spans()
    [ours] = [s for s in finished if s.name == f"{Topic.SENDS} publish"]
    assert trace.format_trace_id(ours.context.trace_id) == trace_id
    assert ours.parent is not None, "continues the record's producer span, not a new root"
    assert ours.parent.trace_id == int(trace_id, 16)
    # In memory the handler runs inside the publish, so the batch span is in that trace
    # too and is the parent; over a real broker it starts a trace of its own and the
    # record's producer span is the parent (the UpstreamSpans test above).
    assert ours.parent.span_id in {s.context.span_id for s in finished}
    batch_links = [link.context.trace_id for s in finished if s.kind is SpanKind.CONSUMER
                   for link in s.links]  # fmt: skip
    assert batch_links == [int(trace_id, 16)], "FastStream's batch span links the record"
    assert traceparent(producer.sent[0].headers)[0] == trace_id


async def test_an_http_request_without_a_trace_id_takes_its_server_spans_id(
    traced: tuple[Runtime, FakeProducer], spans: InMemorySpanExporter
) -> None:
    import httpx
    from fastapi import APIRouter

    from herald.runtime.service import create_app
    from herald.runtime.tracing import request_trace_id

    rt, producer = traced
    api = APIRouter()

    @api.post("/v1/things")
    async def submit() -> dict[str, str]:
        trace_id = request_trace_id()
        await rt.events.publish(Topic.ACCEPTED, "r-1", Happened(trace_id=trace_id))
        return {"trace_id": trace_id}

    transport = httpx.ASGITransport(app=create_app(rt, http=[api]))
    async with httpx.AsyncClient(transport=transport, base_url="http://review") as http:
        trace_id = (await http.post("/v1/things")).json()["trace_id"]
        await http.get("/healthz")

    server = [s for s in spans.get_finished_spans() if s.kind is SpanKind.SERVER]
    assert [s.name for s in server] == ["POST /v1/things"], "probes are not traced"
    assert trace.format_trace_id(server[0].context.trace_id) == trace_id
    [publish] = [s for s in spans.get_finished_spans() if s.kind is SpanKind.PRODUCER]
    assert publish.parent is not None
    assert publish.parent.span_id == server[0].context.span_id
    assert traceparent(producer.sent[0].headers)[0] == trace_id


def test_outside_a_span_a_request_gets_a_new_trace_id() -> None:
    from herald.runtime.tracing import request_trace_id

    assert request_trace_id() != request_trace_id()
    assert len(request_trace_id()) == 32
