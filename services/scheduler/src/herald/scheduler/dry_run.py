"""Dry run: who a request would reach and when, planning nothing.

The audience is the planner's own, read in one snapshot: counted by suppression reason,
then the reachable members streamed and timed by the pure rules (`domain.forecast`: the
planned time, then the frequency caps as recipients' usage stands now, as a release
would). Audiences larger than `sample` are timed on a deterministic sample and the
figures extrapolated; the answer says so. Nothing is written and nothing published.
"""

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import Any

from herald.contracts import PushRequest
from herald.scheduler.domain.forecast import Tally, judge, report, sample_of
from herald.scheduler.domain.policy import Policies
from herald.scheduler.domain.verdict import capped
from herald.scheduler.engagement import best_hours
from herald.scheduler.ports import Audience, EngagementLog


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
        tally = Tally()
        async with self._audience.snapshot() as snap:
            counts = await snap.count(req, "")
            sample = sample_of(counts.get(None, 0), self._sample)
            chunks = snap.reachable(req, sample.share, sample.limit, self._chunk)
            async with contextlib.aclosing(chunks):
                async for members in chunks:
                    ids = [m.recipient_id for m in members]
                    usage = (
                        await snap.usage(req.tenant, ids) if capped(policy, req.category) else {}
                    )
                    hours = await best_hours(self._engagement, req, policy, ids, now)
                    for m in members:
                        rid = m.recipient_id
                        judge(req, m, now, policy, usage.get(rid, {}), hours.get(rid), tally)
        return {
            "request_id": req.request_id,
            "at": now.isoformat(),
            **report(counts, tally, sample.sampled),
        }
