"""Engagement from outside Kafka: hits on signed tracking links and e-mail open pixels,
and the events apps post (`http.engagement` is their HTTP face).

Each is published on push.engagement.v1 first; tracker records it from there like any
other (the topic stays the one source).
"""

import asyncio
import uuid
from collections.abc import Sequence
from datetime import datetime

import structlog

from herald.contracts import Engagement, EngagementKind, Topic
from herald.runtime.clock import Clock
from herald.runtime.events import EventBus
from herald.runtime.links import PIXEL_URL, Link, LinkSigner
from herald.tracker.metrics import TrackerMetrics

log = structlog.get_logger(__name__)


def hit_event(link: Link, kind: EngagementKind, now: datetime) -> Engagement:
    """Every hit is its own event (a unique id); reports count distinct deliveries."""
    url = link.url if kind == EngagementKind.CLICKED else None
    return Engagement(
        event_id=f"{kind[0]}-{uuid.uuid4().hex}", delivery_id=link.delivery_id,
        kind=kind, at=now, url=url,
    )  # fmt: skip


class Engagements:
    def __init__(
        self,
        signer: LinkSigner,
        events: EventBus,
        metrics: TrackerMetrics,
        clock: Clock,
        *,
        publish_timeout_s: float = 2.0,
    ) -> None:
        self._signer, self._events, self._metrics, self._clock = signer, events, metrics, clock
        self._timeout = publish_timeout_s

    async def hit(self, token: str, kind: EngagementKind) -> Link | None:
        """Verify the token and record the hit; None if the token is refused (a link token
        as a pixel, or a pixel's as a link, included)."""
        now = self._clock()
        link = self._signer.verify(token, now)
        is_pixel = link is not None and link.url == PIXEL_URL
        if link is None or is_pixel != (kind == EngagementKind.OPENED):
            self._metrics.link_hits.labels(str(kind), "refused").inc()
            return None
        try:
            async with asyncio.timeout(self._timeout):
                await self._events.publish(
                    Topic.ENGAGEMENT, link.delivery_id, hit_event(link, kind, now)
                )
        except Exception as exc:
            # the person still gets where they were going; the miss is counted and logged
            self._metrics.link_hits.labels(str(kind), "unrecorded").inc()
            log.warning("engagement_not_published", kind=str(kind), error=type(exc).__name__)
        else:
            self._metrics.link_hits.labels(str(kind), "recorded").inc()
        return link

    async def submit(self, tenant: str, events: Sequence[Engagement]) -> bool:
        """Publish an app's events; False if the broker did not take them (logged)."""
        try:
            await self._events.publish_many(Topic.ENGAGEMENT, [(e.delivery_id, e) for e in events])
        except Exception as exc:
            log.warning("engagement_not_published", error=type(exc).__name__)
            return False
        self._metrics.api_events.labels(self._metrics.tenant(tenant)).inc(len(events))
        return True
