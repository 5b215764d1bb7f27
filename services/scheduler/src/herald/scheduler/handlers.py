"""Scheduler's Kafka entrypoints: directory, dead contacts, approved requests, cancels,
and engagement (for send-time optimisation)."""

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

import structlog
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaRouter

from herald.contracts import Engagement, ReasonCode, Recipient, Topic
from herald.contracts.internal import CancelRequested, ContactInvalidated, RequestEnvelope
from herald.runtime.consumer import (
    BatchConsumer,
    Received,
    Rejected,
    model_decoder,
    optional_model_decoder,
    subscribe,
)
from herald.runtime.dlq import DeadLetters
from herald.runtime.health import Health
from herald.runtime.tracing import bind_trace
from herald.scheduler.directory import Change
from herald.scheduler.engagement import engaged
from herald.scheduler.ports import ContentionError
from herald.scheduler.settings import SchedulerSettings

log = structlog.get_logger(__name__)
T = TypeVar("T")


class Planning(Protocol):
    async def plan(self, env: RequestEnvelope) -> None: ...


class Cancelling(Protocol):
    async def cancel(self, event: CancelRequested) -> None: ...


class EngagementSink(Protocol):
    async def record(self, events: Sequence[Engagement]) -> None: ...


class DirectoryUpkeep(Protocol):
    async def apply(self, changes: Sequence[Change]) -> None: ...

    async def invalidate(self, dead: Sequence[ContactInvalidated]) -> int: ...


def _recipient_key(item: Received[Recipient | None]) -> Change:
    """The key is the recipient_id (contract). A tombstone carries no tenant: the
    recipient id is erased wherever it is (ids are unique within a deployment)."""
    if item.value is not None:
        return item.value.tenant, item.value.recipient_id, item.value
    if not item.key:
        raise Rejected(ReasonCode.INVALID_REQUEST, "a tombstone needs the recipient_id as key")
    return None, item.key, None


async def _retrying(op: Callable[[], Awaitable[None]], attempts: int = 5) -> None:
    """Run again when storage rolled the transaction back (a deadlock victim): planning
    and cancelling resume where they were, so a retry is safe."""
    for attempt in range(1, attempts + 1):
        try:
            await op()
        except ContentionError:
            if attempt == attempts:
                raise
            log.warning("transaction_rolled_back_retrying", attempt=attempt)
            await asyncio.sleep(0.1 * attempt)
        else:
            return


def build_router(
    planner: Planning,
    canceller: Cancelling,
    directory: DirectoryUpkeep,
    engagement: EngagementSink,
    dlq: DeadLetters,
    health: Health,
    settings: SchedulerSettings,
) -> KafkaRouter:
    router = KafkaRouter()

    async def on_recipients(items: Sequence[Received[Recipient | None]]) -> None:
        changes = []
        for item in items:
            try:
                changes.append(_recipient_key(item))
            except Rejected as exc:
                await dlq.send(item.record, exc.code, exc.message)
        await directory.apply(changes)

    async def on_contacts(items: Sequence[Received[ContactInvalidated]]) -> None:
        await directory.invalidate([i.value for i in items])

    async def on_approved(items: Sequence[Received[RequestEnvelope]]) -> None:
        for item in items:
            bind_trace(item.value.trace_id)
            await _retrying(functools.partial(planner.plan, item.value))
        bind_trace(None)

    async def on_cancels(items: Sequence[Received[CancelRequested]]) -> None:
        for item in items:
            await _retrying(functools.partial(canceller.cancel, item.value))

    async def on_engagement(items: Sequence[Received[Engagement]]) -> None:
        await engagement.record(engaged([i.value for i in items]))

    def consume(
        topic: Topic,
        group: str,
        decode: Callable[[ConsumerRecord], T],
        handle: Callable[[Sequence[Received[T]]], Awaitable[None]],
        max_records: int | None = None,
    ) -> None:
        """One consumer group per topic: `herald-scheduler` and the given suffix (the
        topic prefix, empty in production, keeps isolated runs' groups apart too)."""
        consumer = BatchConsumer(topic.name.lower(), decode, handle, dlq, health)
        group_id = "herald-scheduler" + group
        subscribe(
            router, topic, consumer, group_id=group_id, settings=settings, max_records=max_records
        )

    consume(Topic.RECIPIENTS, "-directory", optional_model_decoder(Recipient), on_recipients)
    consume(Topic.CONTACTS, "-contacts", model_decoder(ContactInvalidated), on_contacts)
    consume(Topic.APPROVED, "", model_decoder(RequestEnvelope), on_approved, max_records=20)
    consume(Topic.CANCELS, "-cancels", model_decoder(CancelRequested), on_cancels)
    consume(Topic.ENGAGEMENT, "-engagement", model_decoder(Engagement), on_engagement)
    return router
