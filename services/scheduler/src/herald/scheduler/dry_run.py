"""Dry run: who a request would reach and when, planning nothing.

In one snapshot: the audience counted by suppression reason, the reachable members
streamed and timed as planning would time them (`domain.forecast.plan`), then the lanes
they would be paced on read (bucket, sends already queued) with the sends other
requests have queued for them, and every lane run forward as releases would take it
(`domain.forecast_lanes`): when each send would go, which ones pacing makes late past
`expires_at`, and the caps as usage will stand at each send's time. Audiences larger
than `sample` are timed on a deterministic sample and the figures extrapolated; the
answer says which (`domain.forecast_report`). Nothing is written and nothing published.
"""

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from herald.contracts import PushRequest
from herald.scheduler.domain.forecast import Item, plan, sample_of
from herald.scheduler.domain.forecast_lanes import Lanes, run_lanes
from herald.scheduler.domain.forecast_report import report
from herald.scheduler.domain.policy import Policies
from herald.scheduler.domain.verdict import capped
from herald.scheduler.engagement import best_hours
from herald.scheduler.ports import Audience, AudienceSnapshot, EngagementLog


class DryRun:
    def __init__(
        self,
        audience: Audience,
        engagement: EngagementLog,
        policies: Policies,
        clock: Callable[[], datetime],
        chunk: int,
        sample: int,
    ) -> None:
        self._audience, self._engagement, self._policies = audience, engagement, policies
        self._clock, self._chunk, self._sample = clock, chunk, sample

    async def run(self, req: PushRequest) -> dict[str, Any]:
        now, policy = self._clock(), self._policies.of(req.tenant)
        async with self._audience.snapshot() as snap:
            counts = await snap.count(req, "")
            items = await self._timed(snap, req, now, counts.get(None, 0))
            lanes = await self._lanes(snap, req, items, now)
        reachable = counts.get(None, 0)
        weight = reachable / len(items) if items else 1.0
        paced = run_lanes(req, policy, now, items, lanes, weight)
        return {"request_id": req.request_id, "at": now.isoformat(), **report(counts, items, paced)}

    async def _timed(
        self, snap: AudienceSnapshot, req: PushRequest, now: datetime, reachable: int
    ) -> list[Item]:
        """The reachable members (or a sample of them) timed as planning would."""
        policy = self._policies.of(req.tenant)
        sample = sample_of(reachable, self._sample)
        items: list[Item] = []
        chunks = snap.reachable(req, sample.share, sample.limit, self._chunk)
        async with contextlib.aclosing(chunks):
            async for members in chunks:
                ids = [m.recipient_id for m in members]
                usage = await snap.usage(req.tenant, ids) if capped(policy, req.category) else {}
                hours = await best_hours(self._engagement, req, policy, members, now)
                for m in members:
                    rid = m.recipient_id
                    items.append(plan(req, m, now, policy, usage.get(rid, {}), hours.get(rid)))
        return items

    async def _lanes(
        self, snap: AudienceSnapshot, req: PushRequest, items: list[Item], now: datetime
    ) -> Lanes:
        """The lanes the planned sends would wait in, and what is queued before them."""
        waiting = [i for i in items if i.end is None]
        names = sorted({i.lane for i in waiting})
        capping = capped(self._policies.of(req.tenant), req.category)
        ids = [i.recipient_id for i in waiting] if capping else []
        return Lanes(
            {b.lane: b for b in await snap.lanes(req.tenant, names)} if names else {},
            await snap.backlog(req.tenant, names, now) if names else [],
            await snap.queued(req.tenant, ids) if ids else {},
        )
