"""Review's Kafka entrypoints: accepted requests and cancels."""

from faststream.kafka import KafkaRouter

from herald.contracts import Topic
from herald.contracts.internal import CancelRequested, RequestEnvelope
from herald.review.reviewing import Reviewer
from herald.runtime.subscriptions import Consumers
from herald.runtime.tracing import bind_trace


def build_router(consumers: Consumers, reviewer: Reviewer) -> KafkaRouter:
    async def on_accepted(envelopes: list[RequestEnvelope]) -> None:
        for envelope in envelopes:
            bind_trace(envelope.trace_id)
            await reviewer.review(envelope)
        bind_trace(None)

    async def on_cancels(events: list[CancelRequested]) -> None:
        for event in events:
            await reviewer.cancel(event)

    c = consumers
    c.add_values(Topic.ACCEPTED, "herald-review", RequestEnvelope, on_accepted, max_records=100)
    c.add_values(Topic.CANCELS, "herald-review-cancels", CancelRequested, on_cancels)
    return c.router
