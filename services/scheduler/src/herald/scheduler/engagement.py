"""Engagement of our own deliveries, for send-time optimisation.

A release records which recipient a delivery id went to; an engagement event for that
delivery id is kept once per (tenant, event id). When a request asks for optimisation,
each recipient's best local hour over the tenant's `optimise_days` moves their send
(`domain.besthour`: recent events weigh more, and a minimum of evidence is needed).
Old rows are pruned by a background loop, never before a tenant's window has used them.
"""

import asyncio
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from herald.contracts import Engagement, EngagementKind, PushRequest
from herald.scheduler.domain.besthour import best_hour
from herald.scheduler.domain.localtime import zone_or
from herald.scheduler.domain.model import Member
from herald.scheduler.domain.policy import Policies, TenantPolicy
from herald.scheduler.ports import EngagementLog

ENGAGED = frozenset(
    {EngagementKind.OPENED, EngagementKind.READ, EngagementKind.CLICKED, EngagementKind.CONVERTED}
)


def engaged(events: Sequence[Engagement]) -> list[Engagement]:
    """The events that say the recipient engaged (not mere deliveries or bounces)."""
    return [e for e in events if e.kind in ENGAGED]


async def best_hours(
    log: EngagementLog,
    req: PushRequest,
    policy: TenantPolicy,
    members: Sequence[Member],
    now: datetime,
) -> dict[str, int]:
    """The best local hour of each of these recipients with enough evidence, if the
    request asks for optimisation."""
    if req.schedule is None or not req.schedule.optimise or not members:
        return {}
    zones = {m.recipient_id: zone_or(m.timezone, policy.timezone).key for m in members}
    since = now - timedelta(days=policy.optimise_days)
    half_life = timedelta(days=policy.optimise_half_life_days)
    evidence = await log.hour_evidence(req.tenant, zones, since, now, half_life)
    hours = {rid: best_hour(ev, policy.optimise_min_events) for rid, ev in evidence.items()}
    return {rid: h for rid, h in hours.items() if h is not None}


def horizons(
    policies: Policies, keep_days: int, now: datetime
) -> tuple[datetime, dict[str, datetime]]:
    """Before when engagement may go: for tenants without their own policy, and per
    tenant with one. Never sooner than the optimisation window reads back."""

    def before(policy: TenantPolicy) -> datetime:
        return now - timedelta(days=max(keep_days, policy.optimise_days))

    return before(policies.default), {t: before(p) for t, p in policies.tenants.items()}


async def prune_once(log: EngagementLog, policies: Policies, keep_days: int, now: datetime) -> None:
    default, tenants = horizons(policies, keep_days, now)
    await log.prune(default, tenants)


async def prune_loop(
    log: EngagementLog,
    clock: Callable[[], datetime],
    keep_days: int,
    every_s: float,
    policies: Policies | None = None,
) -> None:
    while True:
        await prune_once(log, policies or Policies(), keep_days, clock())
        await asyncio.sleep(every_s)
