"""Engagement of our own deliveries, for send-time optimisation.

A release records which recipient a delivery id went to; an engagement event for that
delivery id is kept once (by event id). When a request asks for optimisation, each
recipient's most engaged hour over the tenant's `optimise_days` moves their send. Old
rows are pruned by a background loop.
"""

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from herald.contracts import Engagement, EngagementKind, PushRequest
from herald.scheduler.domain.policy import TenantPolicy
from herald.scheduler.ports import EngagementLog

ENGAGED = frozenset(
    {EngagementKind.OPENED, EngagementKind.READ, EngagementKind.CLICKED, EngagementKind.CONVERTED}
)


def engaged(events: Sequence[Engagement]) -> list[Engagement]:
    """The events that say the recipient engaged (not mere deliveries or bounces)."""
    return [e for e in events if e.kind in ENGAGED]


async def best_hours(
    log: EngagementLog, req: PushRequest, policy: TenantPolicy, ids: Sequence[str], now: datetime
) -> dict[str, int]:
    """The best hour of each of these recipients, if the request asks for optimisation."""
    if req.schedule is None or not req.schedule.optimise:
        return {}
    return await log.best_hours(req.tenant, ids, now - timedelta(days=policy.optimise_days))


async def prune_loop(
    log: EngagementLog, clock: Callable[[], datetime], keep_days: int, every_s: float
) -> None:
    while True:
        await log.prune(clock() - timedelta(days=keep_days))
        await asyncio.sleep(every_s)
