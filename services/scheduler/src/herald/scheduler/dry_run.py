"""Dry run: who a request would reach and when, planning nothing.

The audience is the planner's own relation (`audience.py`), read in one read-only
REPEATABLE READ transaction: counted by suppression reason in SQL, then the reachable
members streamed through a cursor and timed by the pure rules (`plan_time`, then the
frequency caps as recipients' usage stands now, as a release would). Audiences larger
than `sample` are timed on a deterministic sample (a hash of the recipient id) and the
figures extrapolated; the answer says so. Nothing is written and nothing published.
"""

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from herald.contracts import Channel, PushRequest, QuietHours, ReasonCode
from herald.runtime.db import Database
from herald.scheduler import audience
from herald.scheduler.domain import Timing, plan_time
from herald.scheduler.domain import caps as cap_rules
from herald.scheduler.domain.localtime import zone_or
from herald.scheduler.domain.policy import Policies, TenantPolicy
from herald.scheduler.domain.release import capped
from herald.scheduler.domain.timing import hold
from herald.scheduler.engagement import EngagementStore

_HASH_RANGE = 2**31
DEFERRALS = (
    ReasonCode.QUIET_HOURS_DEFERRED,
    ReasonCode.BLACKOUT_DEFERRED,
    ReasonCode.FREQUENCY_CAPPED,
)
Usage = dict[str, cap_rules.Usage]


@dataclass
class Tally:
    """What the timed members would do (pure: fed one member at a time)."""

    timed: int = 0
    deferred: Counter[str] = field(default_factory=Counter)
    expired: int = 0
    capped_out: int = 0
    hours: Counter[datetime] = field(default_factory=Counter)
    first: datetime | None = None
    last: datetime | None = None

    def send(self, due: datetime) -> None:
        self.hours[due.astimezone(UTC).replace(minute=0, second=0, microsecond=0)] += 1
        self.first = min(self.first or due, due)
        self.last = max(self.last or due, due)


def judge(
    req: PushRequest,
    member: audience.Member,
    now: datetime,
    policy: TenantPolicy,
    usage: Usage,
    best_hour: int | None,
    tally: Tally,
) -> None:
    """One reachable member: plan its time, then check the caps at that time."""
    tally.timed += 1
    quiet = QuietHours.model_validate(member.quiet_hours) if member.quiet_hours else None
    timing = Timing(
        zone_or(member.timezone, policy.timezone), quiet or policy.quiet_hours, best_hour
    )
    planned = plan_time(req.schedule, req.category, now, timing, policy)
    reasons = list(planned.deferred)
    due, expires = planned.due_at, req.schedule.expires_at if req.schedule else None
    if not planned.expired and capped(policy, req.category):
        channels = tuple(Channel(c) for c in member.channels)
        check = cap_rules.check(policy.caps, usage, channels, due, timing.zone)
        if not check.channels and check.retry_at is not None:
            due, why = hold(check.retry_at, req.category, timing, policy)
            reasons += [ReasonCode.FREQUENCY_CAPPED, *why]
            if expires is not None and due >= expires:
                tally.capped_out += 1
                tally.deferred.update(str(r) for r in dict.fromkeys(reasons))
                return
    tally.deferred.update(str(r) for r in dict.fromkeys(reasons))
    if planned.expired:
        tally.expired += 1
    else:
        tally.send(due)


def report(counts: dict[str | None, int], tally: Tally, sample: int | None) -> dict[str, Any]:
    """The answer; a sample's figures are scaled to the whole reachable audience."""
    reachable = counts.get(None, 0)
    scale = reachable / tally.timed if tally.timed else 0.0

    def up(n: int) -> int:
        return round(n * scale)

    return {
        "audience": sum(counts.values()),
        "reachable": reachable,
        "suppressed": {
            "no_contact": counts.get("no_contact", 0),
            "opted_out": counts.get("opted_out", 0),
            "frequency_capped": up(tally.capped_out),
        },
        "deferred": {str(r): up(tally.deferred[str(r)]) for r in DEFERRALS}
        | {"expired": up(tally.expired)},
        "would_send": up(sum(tally.hours.values())),
        "spread": {
            "first": tally.first.isoformat() if tally.first else None,
            "last": tally.last.isoformat() if tally.last else None,
            "per_hour": [
                {"hour": h.isoformat(), "sends": up(n)} for h, n in sorted(tally.hours.items())
            ],
        },
        "sampled": sample is not None,
        "timed": tally.timed,
        "note": f"timed a sample of {tally.timed} of {reachable} reachable recipients; "
        "figures after suppression are extrapolated"
        if sample is not None
        else None,
    }


class DryRun:
    def __init__(
        self,
        db: Database,
        engagement: EngagementStore,
        policies: Policies,
        clock: Callable[[], datetime],
        chunk: int,
        sample: int,
    ) -> None:
        self._db, self._engagement, self._policies = db, engagement, policies
        self._clock, self._chunk, self._sample = clock, chunk, sample

    async def run(self, req: PushRequest) -> dict[str, Any]:
        now, policy = self._clock(), self._policies.of(req.tenant)
        tally = Tally()
        async with (
            self._db.pool.acquire() as conn,
            conn.transaction(isolation="repeatable_read", readonly=True),
        ):
            counts = await audience.count(conn, req, "")
            reachable = counts.get(None, 0)
            sampled = reachable > self._sample
            share = math.ceil(_HASH_RANGE * self._sample / reachable) if sampled else _HASH_RANGE
            limit = self._sample + self._sample // 10 if sampled else reachable
            sql, args = _reachable(req, share, limit)
            cursor = await conn.cursor(sql, *args)
            while rows := await cursor.fetch(self._chunk):
                members = [_member(r) for r in rows]
                usage = await _usage(conn, req, policy, members)
                hours = await self._best_hours(req, policy, members, now)
                for m in members:
                    judge(
                        req,
                        m,
                        now,
                        policy,
                        usage.get(m.recipient_id, {}),
                        hours.get(m.recipient_id),
                        tally,
                    )
        return {
            "request_id": req.request_id,
            "at": now.isoformat(),
            **report(counts, tally, self._sample if sampled else None),
        }

    async def _best_hours(
        self,
        req: PushRequest,
        policy: TenantPolicy,
        members: Sequence[audience.Member],
        now: datetime,
    ) -> dict[str, int]:
        if req.schedule is None or not req.schedule.optimise:
            return {}
        since = now - timedelta(days=policy.optimise_days)
        return await self._engagement.best_hours(
            req.tenant, [m.recipient_id for m in members], since
        )


def _reachable(req: PushRequest, share: int, limit: int) -> tuple[str, list[Any]]:
    """The reachable part of the audience, or a deterministic share of it (bounded)."""
    sql, args = audience.relation(req, "")
    n = len(args)
    return (
        f"""SELECT * FROM ({sql}) a WHERE a.reason IS NULL
              AND (hashtext(a.recipient_id) & 2147483647)::bigint < ${n + 1}::bigint
            LIMIT ${n + 2}""",  # noqa: S608 - built from constants
        [*args, share, max(limit, 1)],
    )


async def _usage(
    conn: asyncpg.Connection,
    req: PushRequest,
    policy: TenantPolicy,
    members: Sequence[audience.Member],
) -> dict[str, Usage]:
    """Cap usage as it stands now (read, never locked or inserted)."""
    if not capped(policy, req.category):
        return {}
    rows = await conn.fetch(
        """SELECT recipient_id, scope, day, sent, last_at FROM scheduler.caps
           WHERE tenant = $1 AND recipient_id = ANY($2::text[])""",
        req.tenant,
        [m.recipient_id for m in members],
    )
    out: dict[str, Usage] = {}
    for r in rows:
        out.setdefault(r["recipient_id"], {})[r["scope"]] = cap_rules.Usage(
            r["day"], r["sent"], r["last_at"]
        )
    return out


def _member(r: Any) -> audience.Member:
    return audience.Member(
        r["recipient_id"], r["reason"], tuple(r["channels"]), r["timezone"], r["quiet_hours"]
    )
