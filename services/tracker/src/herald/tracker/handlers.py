"""Tracker's Kafka entrypoints: outcomes, statuses (for expected counts), engagement,
and recipients (only their tombstones matter here)."""

from collections.abc import Sequence
from typing import Any

from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaRouter

from herald.contracts import Engagement, ReasonCode, Status, Topic
from herald.contracts.internal import Outcome
from herald.runtime.consumer import BatchConsumer, Received, Rejected, model_decoder, subscribe
from herald.runtime.dlq import DeadLetters
from herald.runtime.health import Health
from herald.runtime.settings import ServiceSettings
from herald.tracker.erasure import RecipientSeen
from herald.tracker.tracking import Tracker

GROUPS = {
    Topic.OUTCOMES: "herald-tracker-outcomes",
    Topic.STATUS: "herald-tracker-status",
    Topic.ENGAGEMENT: "herald-tracker-engagement",
    Topic.RECIPIENTS: "herald-tracker-recipients",
}


def recipient_seen(record: ConsumerRecord) -> RecipientSeen:
    """A profile is not parsed (it is not tracker's to judge); a null value erases."""
    if not record.key:
        raise Rejected(ReasonCode.INVALID_REQUEST, "a recipient message needs its key")
    return RecipientSeen(record.key.decode("utf-8", "replace"), record.value is None)


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

    async def on_recipients(items: Sequence[Received[RecipientSeen]]) -> None:
        await tracker.on_recipients([i.value for i in items])

    def attach(topic: Topic, consumer: BatchConsumer[Any]) -> None:
        subscribe(router, topic, consumer, group_id=GROUPS[topic], settings=settings)

    attach(
        Topic.OUTCOMES,
        BatchConsumer("outcomes", model_decoder(Outcome), on_outcomes, dlq, health),
    )
    attach(
        Topic.STATUS,
        BatchConsumer("status", model_decoder(Status), on_statuses, dlq, health),
    )
    attach(
        Topic.ENGAGEMENT,
        BatchConsumer("engagement", model_decoder(Engagement), on_engagement, dlq, health),
    )
    attach(
        Topic.RECIPIENTS,
        BatchConsumer("recipients", recipient_seen, on_recipients, dlq, health),
    )
    return router
