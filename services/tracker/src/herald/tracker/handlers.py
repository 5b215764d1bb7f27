"""Tracker's Kafka entrypoints: outcomes, statuses (for expected counts), engagement,
and recipients (only their tombstones matter here)."""

from collections.abc import Sequence

from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaRouter

from herald.contracts import Engagement, ReasonCode, Status, Topic
from herald.contracts.internal import Outcome
from herald.runtime.consumer import Received, Rejected, model_decoder
from herald.runtime.dlq import DeadLetters
from herald.runtime.subscriptions import Consumers, values
from herald.tracker.domain.erasure import RecipientSeen
from herald.tracker.ports import Expected
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


def build_router(consumers: Consumers, tracker: Tracker, dlq: DeadLetters) -> KafkaRouter:
    async def on_statuses(items: Sequence[Received[Status]]) -> None:
        """With each status, the trace id its headers carry."""
        await tracker.on_statuses([Expected(i.value, i.trace_id) for i in items])

    async def on_engagement(items: Sequence[Received[Engagement]]) -> None:
        """An event that claims another tenant's delivery is not counted: dead-lettered."""
        refused = await tracker.on_engagement([i.value for i in items])
        wrong = {(r.event_id, r.delivery_id, r.claimed) for r in refused}
        for i in items:
            e = i.value
            if (e.event_id, e.delivery_id, e.tenant) in wrong:
                message = f"delivery {e.delivery_id} is not a delivery of tenant {e.tenant}"
                await dlq.send(i.record, ReasonCode.UNAUTHORIZED, message)

    c = consumers
    c.add_values(Topic.OUTCOMES, GROUPS[Topic.OUTCOMES], Outcome, tracker.on_outcomes)
    c.add(Topic.STATUS, GROUPS[Topic.STATUS], model_decoder(Status), on_statuses)
    c.add(Topic.ENGAGEMENT, GROUPS[Topic.ENGAGEMENT], model_decoder(Engagement), on_engagement)
    c.add(Topic.RECIPIENTS, GROUPS[Topic.RECIPIENTS], recipient_seen, values(tracker.on_recipients))
    return c.router
