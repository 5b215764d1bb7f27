"""Statuses and standing changes in, deliveries queued: the status consumer's hook.

Runs after intake's own mirror of the batch, in the same consumer: a crash between the
two redelivers the batch, and both are idempotent (a delivery is queued once per
subscription and event). A batch's statuses arrive in each request's lifecycle order
(one partition per request) and are queued in that order, which the sender keeps.
"""

from collections.abc import Callable, Sequence
from datetime import timedelta

import structlog

from herald.contracts import Status
from herald.contracts.internal import StandingChanged
from herald.intake.callbacks.domain import (
    Event,
    EventType,
    Subscription,
    fan_out,
    standing_event,
    status_event,
)
from herald.intake.callbacks.metrics import CallbackMetrics
from herald.intake.callbacks.ports import Outbox, SubscriptionStore
from herald.runtime.clock import Clock

log = structlog.get_logger(__name__)


class CallbackOutbox:
    # deliberate declaration: the dependencies main injects, one named parameter each
    def __init__(
        self,
        subscriptions: SubscriptionStore,
        outbox: Outbox,
        max_age: timedelta,
        clock: Clock,
        metrics: CallbackMetrics,
        queued: Callable[[], None] = lambda: None,
    ) -> None:
        self._subs, self._outbox, self._max_age = subscriptions, outbox, max_age
        self._clock, self._metrics = clock, metrics
        self._queued = queued
        """Told when deliveries were queued: the sender starts a round at once, rather
        than at its next poll (`CALLBACKS_INTERVAL_S`)."""

    async def statuses(self, statuses: Sequence[Status]) -> None:
        tenants = sorted({s.tenant for s in statuses})
        subs = await self._subs.wanting(tenants, EventType.STATUS)
        if not subs:
            return
        found = await self._outbox.request_departments(
            sorted({(s.tenant, s.request_id) for s in statuses})
        )
        events = [status_event(s, found.get((s.tenant, s.request_id))) for s in statuses]
        await self._queue(events, subs)

    async def standing(self, changes: Sequence[StandingChanged]) -> None:
        tenants = sorted({c.tenant for c in changes})
        subs = await self._subs.wanting(tenants, EventType.STANDING)
        if not subs:
            return
        people = sorted({(c.tenant, c.subject) for c in changes if c.subject_kind == "requester"})
        found = await self._outbox.requester_departments(people) if people else {}
        events = [
            standing_event(
                c, c.subject if c.subject_kind == "department" else found.get((c.tenant, c.subject))
            )
            for c in changes
        ]
        await self._queue(events, subs)

    async def _queue(self, events: list[Event], subs: Sequence[Subscription]) -> None:
        items = fan_out(events, subs)
        if not items:
            return
        now = self._clock()
        fresh = await self._outbox.enqueue(items, now, now + self._max_age)
        if fresh:
            self._queued()
            self._metrics.queued.labels(str(events[0].type)).inc(fresh)
            log.info("callbacks_queued", type=str(events[0].type), deliveries=fresh)
