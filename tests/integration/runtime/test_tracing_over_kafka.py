"""Tracing over the real broker: a request's spans in two services join one trace."""

from collections.abc import Sequence

import pytest
from faststream.kafka import KafkaRouter
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from pydantic import BaseModel

from herald.contracts import Topic
from herald.runtime.consumer import BatchConsumer, Received, model_decoder, subscribe
from herald.runtime.service import build_runtime, create_app
from herald.runtime.settings import ServiceSettings
from herald.runtime.telemetry import telemetry
from herald.runtime.tracing import new_trace_id
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


class Happened(BaseModel):
    trace_id: str


async def test_a_publish_while_handling_a_batch_continues_the_upstream_producer_span(
    kafka: str,
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    settings = ServiceSettings(**service_env(kafka, "postgresql://unused/x", prefix))
    spans = InMemorySpanExporter()
    upstream = build_runtime("intake", settings, telemetry("intake", SimpleSpanProcessor(spans)))
    downstream = build_runtime("review", settings, telemetry("review", SimpleSpanProcessor(spans)))

    async def handle(items: Sequence[Received[Happened]]) -> None:
        for item in items:
            await downstream.events.publish(Topic.APPROVED, item.key or "", item.value)

    router = KafkaRouter()
    consumer = BatchConsumer(
        Topic.ACCEPTED,
        model_decoder(Happened),
        handle,
        downstream.dlq,
        downstream.health,
        downstream.verifier,
    )
    subscribe(router, consumer, group_id="herald-otel-test", settings=settings)
    trace_id = new_trace_id()

    async with running(create_app(downstream, routers=[router])):
        await upstream.events.start()
        try:
            await upstream.events.publish(Topic.ACCEPTED, "r-1", Happened(trace_id=trace_id))
        finally:
            await upstream.events.stop()

        def published(topic: Topic) -> ReadableSpan | None:
            name = f"{prefix}{topic} publish"
            return next((s for s in spans.get_finished_spans() if s.name == name), None)

        sent = await eventually(lambda: published(Topic.ACCEPTED), what="intake's span")
        onward = await eventually(lambda: published(Topic.APPROVED), what="review's span")

    assert trace.format_trace_id(sent.context.trace_id) == trace_id
    assert trace.format_trace_id(onward.context.trace_id) == trace_id
    assert onward.parent is not None
    assert onward.parent.span_id == sent.context.span_id
    assert sent.resource.attributes["service.name"] == "herald-intake"
    assert onward.resource.attributes["service.name"] == "herald-review"
    batches = [s for s in spans.get_finished_spans() if s.kind is SpanKind.CONSUMER and s.links]
    assert [link.context.span_id for s in batches for link in s.links] == [sent.context.span_id]
