"""What a request would do, for the dry run (pure): each reachable member timed as
planning and releasing would time it, tallied, and the tally scaled to the audience."""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from herald.contracts import Channel, PushRequest, ReasonCode
from herald.scheduler.domain import caps
from herald.scheduler.domain.model import Member
from herald.scheduler.domain.policy import TenantPolicy
from herald.scheduler.domain.timing import plan_time, timing_for
from herald.scheduler.domain.verdict import Verdict, within_caps

DEFERRALS = (
    ReasonCode.QUIET_HOURS_DEFERRED,
    ReasonCode.BLACKOUT_DEFERRED,
    ReasonCode.FREQUENCY_CAPPED,
)


@dataclass(frozen=True, slots=True)
class Sample:
    """How much of the reachable audience to time: a `share` (0 to 1) chosen by a hash
    of the recipient id, at most `limit` members."""

    share: float
    limit: int
    sampled: bool


def sample_of(reachable: int, size: int) -> Sample:
    """All of an audience up to `size`; above it, a share expected to give `size` (at
    most 10% more are timed)."""
    if reachable <= size:
        return Sample(1.0, reachable, sampled=False)
    return Sample(size / reachable, size + size // 10, sampled=True)


@dataclass
class Tally:
    """What the timed members would do (fed one member at a time)."""

    timed: int = 0
    deferred: Counter[str] = field(default_factory=Counter)
    expired: int = 0
    capped_out: int = 0
    hours: Counter[datetime] = field(default_factory=Counter)
    channels: Counter[str] = field(default_factory=Counter)
    first: datetime | None = None
    last: datetime | None = None

    def send(self, due: datetime, channel: str) -> None:
        self.hours[due.astimezone(UTC).replace(minute=0, second=0, microsecond=0)] += 1
        self.channels[channel] += 1
        self.first = min(self.first or due, due)
        self.last = max(self.last or due, due)


def judge(
    req: PushRequest,
    member: Member,
    now: datetime,
    policy: TenantPolicy,
    usage: dict[str, caps.Usage],
    best_hour: int | None,
    tally: Tally,
) -> None:
    """One reachable member: plan its time, then check the caps at that time."""
    tally.timed += 1
    timing = timing_for(member.timezone, member.quiet_hours, policy, best_hour)
    planned = plan_time(req.schedule, req.category, now, timing, policy)
    if planned.expired:
        tally.deferred.update(str(r) for r in planned.deferred)
        tally.expired += 1
        return
    expires = req.schedule.expires_at if req.schedule else None
    channels = tuple(Channel(c) for c in member.channels)
    d = within_caps(
        req.category, channels, planned.due_at, timing, policy, usage, expires, planned.deferred
    )
    tally.deferred.update(str(r) for r in d.deferred)
    if d.verdict == Verdict.SUPPRESS:
        tally.capped_out += 1
    else:  # the first channel the caps allow (or, held, the first it can reach) pays
        tally.send(d.due_at or planned.due_at, str((d.channels or member.channels)[0]))


def report(counts: dict[str | None, int], tally: Tally, sampled: bool) -> dict[str, Any]:
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
        "would_send_by_channel": {c: up(n) for c, n in sorted(tally.channels.items())},
        "spread": {
            "first": tally.first.isoformat() if tally.first else None,
            "last": tally.last.isoformat() if tally.last else None,
            "per_hour": [
                {"hour": h.isoformat(), "sends": up(n)} for h, n in sorted(tally.hours.items())
            ],
        },
        "sampled": sampled,
        "timed": tally.timed,
        "note": f"timed a sample of {tally.timed} of {reachable} reachable recipients; "
        "figures after suppression are extrapolated"
        if sampled
        else None,
    }
