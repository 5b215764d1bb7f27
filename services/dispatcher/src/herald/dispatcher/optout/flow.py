"""Applying a recipient's consent changes: stored and audited, then announced.

Each change that changes something is kept (dispatcher.opt_outs, honoured by the next
send's consent check) and audited in one transaction, then published as ConsentChanged
on push.consent.v1 for the systems that own the profiles. An opt-out through a
message's own link is also an Engagement `unsubscribed` of that delivery on
push.engagement.v1, which tracker counts in the request's report.

The audit row is the outbox: it is marked announced once published, and `announce_pending`
publishes what a stopped process (or an unreachable broker) left unannounced, with the
same event ids (consumers dedupe on them), so a change is announced at least once.
"""

from collections.abc import Sequence

import structlog
from prometheus_client import Counter

from herald.contracts import ConsentChanged, ConsentSource, EngagementKind, Topic
from herald.dispatcher.domain.receipts import receipt
from herald.dispatcher.optout.changes import Change, OptOutStore
from herald.runtime.events import EventBus

log = structlog.get_logger(__name__)
ANNOUNCE_BATCH = 500


class OptOuts:
    def __init__(
        self, store: OptOutStore, events: EventBus, changed: Counter, grace_s: float = 30.0
    ) -> None:
        self._store, self._events, self._changed = store, events, changed
        self._grace_s = grace_s

    async def change(self, changes: Sequence[Change]) -> int:
        """Apply `changes`; returns how many changed something (repeats change nothing)."""
        if not changes:
            return 0
        applied = await self._store.apply(changes)
        if not applied:
            return 0
        try:
            await self._announce(applied)
        except Exception as e:  # stored and audited: the sweep announces it later
            log.warning("consent_announce_deferred", changes=len(applied), error=str(e)[:200])
        for _, c in applied:
            self._changed.labels(str(c.source), "in" if c.allowed else "out").inc()
            log.info(
                "consent_changed", tenant=c.tenant, source=str(c.source),
                category=str(c.category), channel=str(c.channel), allowed=c.allowed,
            )  # fmt: skip
        return len(applied)

    async def announce_pending(self, limit: int = ANNOUNCE_BATCH) -> int:
        """Publish the changes stored but left unannounced over the grace period ago (the
        process stopped between its commit and its publish); how many."""
        pending = await self._store.unannounced(self._grace_s, limit)
        if pending:
            await self._announce(pending)
            log.info("consent_announced_late", changes=len(pending))
        return len(pending)

    async def _announce(self, applied: Sequence[tuple[str, Change]]) -> None:
        events = [(c.recipient_id, _event(event_id, c)) for event_id, c in applied]
        await self._events.publish_many(Topic.CONSENT, events)
        unsubscribed = [
            (c.delivery_id, receipt(EngagementKind.UNSUBSCRIBED, c.delivery_id, c.at))
            for _, c in applied
            if c.delivery_id and c.source == ConsentSource.LINK and not c.allowed
        ]
        if unsubscribed:
            await self._events.publish_many(Topic.ENGAGEMENT, unsubscribed)
        await self._store.announced([event_id for event_id, _ in applied])

    async def opted_out(self, tenant: str, recipient_id: str) -> frozenset[tuple[str, str]]:
        return await self._store.opted_out(tenant, recipient_id)


def _event(event_id: str, c: Change) -> ConsentChanged:
    return ConsentChanged(
        event_id=event_id, tenant=c.tenant, recipient_id=c.recipient_id, category=c.category,
        channel=c.channel, allowed=c.allowed, source=c.source, at=c.at,
        delivery_id=c.delivery_id,
    )  # fmt: skip
