"""Scheduler's Kafka entrypoints: the recipient directory and approved requests."""

from collections.abc import Sequence

from faststream.kafka import KafkaRouter

from herald.contracts import ReasonCode, Recipient, Topic
from herald.contracts.internal import RequestEnvelope
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
from herald.scheduler.directory import Directory
from herald.scheduler.planning import Planner
from herald.scheduler.settings import SchedulerSettings


def _recipient_key(item: Received[Recipient | None]) -> tuple[str | None, str, Recipient | None]:
    """The key is the recipient_id (contract). A tombstone carries no tenant: the
    recipient id is erased wherever it is (ids are unique within a deployment's log,
    since compaction is by key)."""
    if item.value is not None:
        return item.value.tenant, item.value.recipient_id, item.value
    if not item.key:
        raise Rejected(ReasonCode.INVALID_REQUEST, "a tombstone needs the recipient_id as key")
    return None, item.key, None


def build_router(
    planner: Planner,
    directory: Directory,
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

    async def on_approved(items: Sequence[Received[RequestEnvelope]]) -> None:
        for item in items:
            bind_trace(item.value.trace_id)
            await planner.plan(item.value)
        bind_trace(None)

    subscribe(
        router,
        Topic.RECIPIENTS,
        BatchConsumer("recipients", optional_model_decoder(Recipient), on_recipients, dlq, health),
        group_id="herald-scheduler-directory",
        settings=settings,
    )
    subscribe(
        router,
        Topic.APPROVED,
        BatchConsumer("approved", model_decoder(RequestEnvelope), on_approved, dlq, health),
        group_id="herald-scheduler",
        settings=settings,
        max_records=20,
    )
    return router
