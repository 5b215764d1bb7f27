"""Review's Kafka entrypoints: accepted requests and cancels."""

from collections.abc import Sequence

from faststream.kafka import KafkaRouter

from herald.contracts import Topic
from herald.contracts.internal import CancelRequested, RequestEnvelope
from herald.review.reviewing import Reviewer
from herald.runtime.consumer import BatchConsumer, Received, model_decoder, subscribe
from herald.runtime.dlq import DeadLetters
from herald.runtime.health import Health
from herald.runtime.settings import ServiceSettings
from herald.runtime.tracing import bind_trace


def build_router(
    reviewer: Reviewer, dlq: DeadLetters, health: Health, settings: ServiceSettings
) -> KafkaRouter:
    router = KafkaRouter()

    async def on_accepted(items: Sequence[Received[RequestEnvelope]]) -> None:
        for item in items:
            bind_trace(item.value.trace_id)
            await reviewer.review(item.value)
        bind_trace(None)

    async def on_cancel(items: Sequence[Received[CancelRequested]]) -> None:
        for item in items:
            await reviewer.cancel(item.value)

    subscribe(
        router,
        Topic.ACCEPTED,
        BatchConsumer("accepted", model_decoder(RequestEnvelope), on_accepted, dlq, health),
        group_id="herald-review",
        settings=settings,
        max_records=100,
    )
    subscribe(
        router,
        Topic.CANCELS,
        BatchConsumer("cancels", model_decoder(CancelRequested), on_cancel, dlq, health),
        group_id="herald-review-cancels",
        settings=settings,
    )
    return router
