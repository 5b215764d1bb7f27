"""Tracker's Kafka entrypoints: outcomes, statuses (for expected counts), engagement,
and recipients (only their tombstones matter here)."""

from collections.abc import Sequence

from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaRouter

from herald.contracts import Engagement, EngagementKind, Id, ReasonCode, Status, Topic
from herald.contracts.common import Model
from herald.runtime.batches import OUTCOMES
from herald.runtime.consumer import Received, Rejected, model_decoder, tenant_of
from herald.runtime.dlq import DeadLetters
from herald.runtime.subscriptions import Consumers
from herald.tracker.domain.erasure import RecipientSeen
from herald.tracker.ports import Expected
from herald.tracker.tracking import Tracker

GROUPS = {
    Topic.OUTCOMES: "herald-tracker-outcomes",
    Topic.STATUS: "herald-tracker-status",
    Topic.ENGAGEMENT: "herald-tracker-engagement",
    Topic.RECIPIENTS: "herald-tracker-recipients",
}

HERALD_ONLY = "engagement 'unsubscribed' is reported by Herald only"


class RecipientRef(Model):
    """What tracker reads of a profile: whose it is (the rest is not tracker's to judge)."""

    recipient_id: Id
    tenant: Id


def recipient_ref(record: ConsumerRecord) -> RecipientRef | None:
    """A profile's id and tenant (checked against its producer's by the runtime); None
    for a tombstone, which erases its key in its producer's tenant."""
    if not record.key:
        raise Rejected(ReasonCode.INVALID_REQUEST, "a recipient message needs its key")
    if record.value is None:
        return None
    return RecipientRef.model_validate_json(record.value)


def recipient_seen(item: Received[RecipientRef | None]) -> RecipientSeen:
    if item.value is None:
        return RecipientSeen(tenant_of(item), item.key or "", tombstone=True)
    return RecipientSeen(item.value.tenant, item.value.recipient_id, tombstone=False)


def build_router(consumers: Consumers, tracker: Tracker, dlq: DeadLetters) -> KafkaRouter:
    async def on_statuses(items: Sequence[Received[Status]]) -> None:
        """With each status, the trace id its headers carry."""
        await tracker.on_statuses([Expected(i.value, i.trace_id) for i in items])

    async def on_engagement(items: Sequence[Received[Engagement]]) -> None:
        """An event that claims another tenant's delivery is not counted: dead-lettered;
        so is an `unsubscribed` not from Herald (only its opt-out link reports one)."""
        kept = []
        for i in items:
            if i.value.kind == EngagementKind.UNSUBSCRIBED and not i.producer.is_herald:
                await dlq.send(i.record, ReasonCode.UNAUTHORIZED, HERALD_ONLY)
            else:
                kept.append(i)
        items = kept
        refused = await tracker.on_engagement([i.value for i in items])
        wrong = {(r.event_id, r.delivery_id, r.claimed) for r in refused}
        for i in items:
            e = i.value
            if (e.event_id, e.delivery_id, e.tenant) in wrong:
                message = f"delivery {e.delivery_id} is not a delivery of tenant {e.tenant}"
                await dlq.send(i.record, ReasonCode.UNAUTHORIZED, message)

    c = consumers
    c.add_unpacked(Topic.OUTCOMES, GROUPS[Topic.OUTCOMES], OUTCOMES, tracker.on_outcomes)
    c.add(Topic.STATUS, GROUPS[Topic.STATUS], model_decoder(Status), on_statuses)
    c.add(Topic.ENGAGEMENT, GROUPS[Topic.ENGAGEMENT], model_decoder(Engagement), on_engagement)

    async def on_recipients(items: Sequence[Received[RecipientRef | None]]) -> None:
        await tracker.on_recipients([recipient_seen(i) for i in items])

    c.add(Topic.RECIPIENTS, GROUPS[Topic.RECIPIENTS], recipient_ref, on_recipients)
    return c.router
