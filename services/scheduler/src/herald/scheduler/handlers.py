"""Scheduler's Kafka entrypoints: directory, dead contacts, approved requests, cancels,
engagement (for send-time optimisation) and outcomes (caps count the channel used).

Every record is verified by the runtime first (herald.runtime.consumer): a recipient
profile is its producer's tenant's, and a tombstone erases the id in its producer's
tenant only; an engagement event carries the tenant that reported it."""

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol

import structlog
from faststream.kafka import KafkaRouter

from herald.contracts import Engagement, ReasonCode, Recipient, Topic
from herald.contracts.critical import is_critical
from herald.contracts.internal import (
    CancelRequested,
    ContactInvalidated,
    Outcome,
    RequestEnvelope,
)
from herald.runtime.batches import OUTCOMES
from herald.runtime.consumer import Received, Rejected, optional_model_decoder, tenant_of
from herald.runtime.dlq import DeadLetters
from herald.runtime.keyed import each_by_key
from herald.runtime.subscriptions import Consumers
from herald.runtime.tracing import bind_trace
from herald.scheduler.directory import Change
from herald.scheduler.engagement import engaged
from herald.scheduler.lanes import LaneWiring, wiring
from herald.scheduler.ports import ContentionError

log = structlog.get_logger(__name__)
BOTH_LANES = wiring("all", 1, 1)

_PLANS_AT_ONCE = 8
"""Requests of one fetched batch planned concurrently (herald.runtime.keyed): a plan is
mostly waits (eight statements, an acknowledged publish), so one at a time capped a
consumer near 1 / 30 ms on a loaded machine. A short plan holds one pooled connection
at a time and never waits for another while it does; streamed plans (two at once) still
go one at a time per group, so the pool's ten cannot all be held by waiters."""


class Planning(Protocol):
    async def plan(self, env: RequestEnvelope) -> None: ...

    def streams(self, env: RequestEnvelope) -> bool:
        """Whether planning it streams the audience (holding a snapshot's connection
        while each chunk takes another), not the one-chunk short path."""
        ...


class Cancelling(Protocol):
    async def cancel(self, event: CancelRequested) -> None: ...


class EngagementSink(Protocol):
    async def record(self, events: Sequence[Engagement]) -> None: ...


class Recounting(Protocol):
    async def on_outcomes(self, outcomes: Sequence[Outcome]) -> int: ...

    def recounts(self, tenant: str) -> bool:
        """Whether this tenant's outcomes can move anything (its other outcomes are not
        decoded past their batch's shared part)."""
        ...


class DirectoryUpkeep(Protocol):
    async def apply(self, changes: Sequence[Change]) -> None: ...

    async def invalidate(self, dead: Sequence[ContactInvalidated]) -> int: ...


def _recipient_key(item: Received[Recipient | None]) -> Change:
    """The key is the recipient_id (contract). A tombstone carries no tenant: it erases
    the id in its producer's tenant (`tenant_of`), never in another."""
    tenant = tenant_of(item)
    if item.value is not None:
        return tenant, item.value.recipient_id, item.value
    if not item.key:
        raise Rejected(ReasonCode.INVALID_REQUEST, "a tombstone needs the recipient_id as key")
    return tenant, item.key, None


def _critical(env: RequestEnvelope) -> bool:
    return is_critical(env.request.category, env.request.priority)


def _request_key(env: RequestEnvelope) -> tuple[str, str]:
    return env.request.tenant, env.request.request_id


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
    consumers: Consumers,
    planner: Planning,
    canceller: Cancelling,
    directory: DirectoryUpkeep,
    engagement: EngagementSink,
    dlq: DeadLetters,
    recounter: Recounting | None = None,
    lanes: LaneWiring = BOTH_LANES,
) -> KafkaRouter:
    """`lanes`: which consumers this process runs (herald.scheduler.lanes); a
    critical-only process runs the critical planning group alone."""

    async def on_recipients(items: Sequence[Received[Recipient | None]]) -> None:
        changes = []
        for item in items:
            try:
                changes.append(_recipient_key(item))
            except Rejected as exc:
                await dlq.send(item.record, exc.code, exc.message)
        await directory.apply(changes)

    async def on_contacts(items: list[ContactInvalidated]) -> None:
        await directory.invalidate(items)

    def planning(critical: bool) -> Callable[[list[RequestEnvelope]], Awaitable[None]]:
        """Plans the approved requests of one lane and skips the others' (another group
        plans them): a critical request never waits for a blast's expansion."""

        async def plan(item: RequestEnvelope) -> None:
            bind_trace(item.trace_id)  # this item's task's own context
            await _retrying(functools.partial(planner.plan, item))

        async def on_approved(items: list[RequestEnvelope]) -> None:
            mine = [
                i for i in items if is_critical(i.request.category, i.request.priority) == critical
            ]
            await each_by_key(mine, plan_key, plan, limit=_PLANS_AT_ONCE)

        def plan_key(env: RequestEnvelope) -> tuple[str, ...]:
            """Streamed plans one after another, as before (each holds two pooled
            connections at once); short ones beside them."""
            return ("streamed",) if planner.streams(env) else _request_key(env)

        return on_approved

    async def on_cancels(items: list[CancelRequested]) -> None:
        for item in items:
            await _retrying(functools.partial(canceller.cancel, item))

    async def on_engagement(items: list[Engagement]) -> None:
        await engagement.record(engaged(items))

    # one consumer group per topic: `herald-scheduler` and a suffix
    c, upkeep = consumers, lanes.housekeeping
    if upkeep:
        recipients = optional_model_decoder(Recipient)
        c.add(Topic.RECIPIENTS, "herald-scheduler-directory", recipients, on_recipients)
        c.add_values(Topic.CONTACTS, "herald-scheduler-contacts", ContactInvalidated, on_contacts)
    envelope, approved = RequestEnvelope, Topic.APPROVED
    if lanes.plans_bulk:
        c.add_values(approved, "herald-scheduler", envelope, planning(False), max_records=20)
    if lanes.plans_critical:
        # its own group: what neither can take, `herald-scheduler` dead-letters; its
        # work is critical (herald.runtime.lane: no pauses, the pool's reserve)
        group = "herald-scheduler-critical"
        c.add_values(
            approved,
            group,
            envelope,
            planning(True),
            max_records=20,
            dead_letters=False,
            critical=True,
        )
    if upkeep:
        c.add_values(Topic.CANCELS, "herald-scheduler-cancels", CancelRequested, on_cancels)
        c.add_values(Topic.ENGAGEMENT, "herald-scheduler-engagement", Engagement, on_engagement)
    if upkeep and recounter is not None:  # caps follow the channel the dispatcher really used
        # nobody waits on a recount: the long fetch waits (one idle poller less)
        group = "herald-scheduler-outcomes"
        outcomes = OUTCOMES.only(recounter.recounts)
        c.add_unpacked(Topic.OUTCOMES, group, outcomes, recounter.on_outcomes, background=True)
    return c.router
