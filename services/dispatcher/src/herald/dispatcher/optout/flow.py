"""Applying a recipient's consent changes: stored and audited, then announced.

Each change that changes something is kept (dispatcher.opt_outs, honoured by the next
send's consent check) and audited in one transaction, then published as ConsentChanged
on push.consent.v1 for the systems that own the profiles. An opt-out through a
message's own link is also an Engagement `unsubscribed` of that delivery on
push.engagement.v1, which tracker counts in the request's report.
"""

from collections.abc import Sequence

import structlog
from prometheus_client import Counter

from herald.contracts import ConsentChanged, ConsentSource, EngagementKind, Topic
from herald.dispatcher.domain.receipts import receipt
from herald.dispatcher.optout.changes import Change, OptOutStore
from herald.runtime.events import EventBus

log = structlog.get_logger(__name__)


class OptOuts:
    def __init__(self, store: OptOutStore, events: EventBus, changed: Counter) -> None:
        self._store, self._events, self._changed = store, events, changed

    async def change(self, changes: Sequence[Change]) -> int:
        """Apply `changes`; returns how many changed something (repeats change nothing)."""
        if not changes:
            return 0
        applied = await self._store.apply(changes)
        if not applied:
            return 0
        events = [(c.recipient_id, _event(event_id, c)) for event_id, c in applied]
        await self._events.publish_many(Topic.CONSENT, events)
        unsubscribed = [
            (c.delivery_id, receipt(EngagementKind.UNSUBSCRIBED, c.delivery_id, c.at))
            for _, c in applied
            if c.delivery_id and c.source == ConsentSource.LINK and not c.allowed
        ]
        if unsubscribed:
            await self._events.publish_many(Topic.ENGAGEMENT, unsubscribed)
        for _, c in applied:
            self._changed.labels(str(c.source), "in" if c.allowed else "out").inc()
            log.info(
                "consent_changed", tenant=c.tenant, source=str(c.source),
                category=str(c.category), channel=str(c.channel), allowed=c.allowed,
            )  # fmt: skip
        return len(applied)

    async def opted_out(self, tenant: str, recipient_id: str) -> frozenset[tuple[str, str]]:
        return await self._store.opted_out(tenant, recipient_id)


def _event(event_id: str, c: Change) -> ConsentChanged:
    return ConsentChanged(
        event_id=event_id, tenant=c.tenant, recipient_id=c.recipient_id, category=c.category,
        channel=c.channel, allowed=c.allowed, source=c.source, at=c.at,
        delivery_id=c.delivery_id,
    )  # fmt: skip
