"""Tracker's Kafka entrypoints: outcomes, statuses (for expected counts), engagement."""

from collections.abc import Sequence
from typing import Any

from faststream.kafka import KafkaRouter

from herald.contracts import Engagement, Status, Topic
from herald.contracts.internal import Outcome
from herald.runtime.consumer import BatchConsumer, Received, model_decoder, subscribe
from herald.runtime.dlq import DeadLetters
from herald.runtime.health import Health
from herald.runtime.settings import ServiceSettings
from herald.tracker.tracking import Tracker


def build_router(
    tracker: Tracker, dlq: DeadLetters, health: Health, settings: ServiceSettings
) -> KafkaRouter:
    router = KafkaRouter()

    async def on_outcomes(items: Sequence[Received[Outcome]]) -> None:
        await tracker.on_outcomes([i.value for i in items])

    async def on_statuses(items: Sequence[Received[Status]]) -> None:
        await tracker.on_statuses([i.value for i in items])

    async def on_engagement(items: Sequence[Received[Engagement]]) -> None:
        await tracker.on_engagement([i.value for i in items])

    def attach(topic: Topic, name: str, consumer: BatchConsumer[Any]) -> None:
        subscribe(router, topic, consumer, group_id=f"herald-tracker-{name}", settings=settings)

    attach(
        Topic.OUTCOMES,
        "outcomes",
        BatchConsumer("outcomes", model_decoder(Outcome), on_outcomes, dlq, health),
    )
    attach(
        Topic.STATUS,
        "status",
        BatchConsumer("status", model_decoder(Status), on_statuses, dlq, health),
    )
    attach(
        Topic.ENGAGEMENT,
        "engagement",
        BatchConsumer("engagement", model_decoder(Engagement), on_engagement, dlq, health),
    )
    return router
