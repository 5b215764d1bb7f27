"""Scheduler's Kafka entrypoints: directory, dead contacts, approved requests, cancels,
and engagement (for send-time optimisation)."""

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import structlog
from asyncpg.exceptions import TransactionRollbackError
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
from herald.scheduler.cancels import Canceller
from herald.scheduler.directory import Directory
from herald.scheduler.engagement import EngagementStore
from herald.scheduler.planning import Planner
from herald.scheduler.settings import SchedulerSettings

log = structlog.get_logger(__name__)


def _recipient_key(item: Received[Recipient | None]) -> tuple[str | None, str, Recipient | None]:
    """The key is the recipient_id (contract). A tombstone carries no tenant: the
    recipient id is erased wherever it is (ids are unique within a deployment)."""
    if item.value is not None:
        return item.value.tenant, item.value.recipient_id, item.value
    if not item.key:
        raise Rejected(ReasonCode.INVALID_REQUEST, "a tombstone needs the recipient_id as key")
    return None, item.key, None


async def _retrying(op: Callable[[], Awaitable[None]], attempts: int = 5) -> None:
    """Run again when Postgres rolled the transaction back (a deadlock victim): planning
    and cancelling resume where they were, so a retry is safe."""
    for attempt in range(1, attempts + 1):
        try:
            await op()
        except TransactionRollbackError:
            if attempt == attempts:
                raise
            log.warning("transaction_rolled_back_retrying", attempt=attempt)
            await asyncio.sleep(0.1 * attempt)
        else:
            return


def build_router(
    planner: Planner,
    canceller: Canceller,
    directory: Directory,
    engagement: EngagementStore,
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
        await engagement.record([i.value for i in items])

    def attach(topic: Topic, group: str, consumer: BatchConsumer[Any], **kw: Any) -> None:
        # the topic prefix (empty in production) keeps isolated runs' groups apart too
        subscribe(router, topic, consumer, group_id=group, settings=settings, **kw)

    attach(
        Topic.RECIPIENTS,
        "herald-scheduler-directory",
        BatchConsumer("recipients", optional_model_decoder(Recipient), on_recipients, dlq, health),
    )
    attach(
        Topic.CONTACTS,
        "herald-scheduler-contacts",
        BatchConsumer("contacts", model_decoder(ContactInvalidated), on_contacts, dlq, health),
    )
    attach(
        Topic.APPROVED,
        "herald-scheduler",
        BatchConsumer("approved", model_decoder(RequestEnvelope), on_approved, dlq, health),
        max_records=20,
    )
    attach(
        Topic.CANCELS,
        "herald-scheduler-cancels",
        BatchConsumer("cancels", model_decoder(CancelRequested), on_cancels, dlq, health),
    )
    attach(
        Topic.ENGAGEMENT,
        "herald-scheduler-engagement",
        BatchConsumer("engagement", model_decoder(Engagement), on_engagement, dlq, health),
    )
    return router
