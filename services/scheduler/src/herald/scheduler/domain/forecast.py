"""What a request would do, for the dry run (pure): each reachable member timed as
planning times it (`plan`), then run through its lane with the lane's backlog and judged
by the caps when its turn comes (`forecast_lanes`), then tallied (`forecast_report`).

Audiences above the sample size are timed on a deterministic sample; each sampled member
then stands for `weight` recipients (reachable / timed), in the lane's queue too.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from herald.contracts import Channel, PushRequest, ReasonCode
from herald.contracts.critical import is_critical
from herald.scheduler.domain import caps
from herald.scheduler.domain.model import Member
from herald.scheduler.domain.pacing import lane_for
from herald.scheduler.domain.policy import TenantPolicy
from herald.scheduler.domain.timing import Timing, plan_time, timing_for


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


class End(StrEnum):
    # A declaration (shaped like every StrEnum): how one timed member's send ends.
    SENT = "sent"
    EXPIRED_TIMING = "timing"
    """Its planned time (send time, quiet hours, blackout) is not before `expires_at`."""
    EXPIRED_PACING = "pacing"
    """Its lane would release it only at or after `expires_at`."""
    CAPPED = "capped"
    """The caps hold it past `expires_at`: suppressed `frequency_capped`."""


@dataclass(slots=True)
class Item:
    """One timed member's send: planned, then run through its lane."""

    recipient_id: str
    lane: str
    """The lane it is paced on: the first channel it can be reached on (or its critical
    lane), as in planning."""
    channels: tuple[Channel, ...]
    due_at: datetime
    timing: Timing
    usage: dict[str, caps.Usage]
    """Its cap usage as it stands now."""
    deferred: tuple[ReasonCode, ...]
    end: End | None = None
    paid_by: str | None = None
    """The channel its send goes out on when the caps choose (else its lane)."""
    first: datetime | None = None
    """When it (the first of the recipients it stands for) would go."""
    last: datetime | None = None


def plan(
    req: PushRequest,
    member: Member,
    now: datetime,
    policy: TenantPolicy,
    usage: dict[str, caps.Usage],
    best_hour: int | None,
) -> Item:
    """One reachable member timed as planning would time it (not yet paced or capped)."""
    timing = timing_for(member.timezone, member.quiet_hours, policy, best_hour)
    planned = plan_time(req.schedule, req.category, now, timing, policy)
    channels = tuple(Channel(c) for c in member.channels)
    item = Item(
        member.recipient_id,
        lane_for(member.channels[0], is_critical(req.category, req.priority)),
        channels,
        planned.due_at,
        timing,
        usage,
        planned.deferred,
    )
    if planned.expired:
        item.end = End.EXPIRED_TIMING
    return item
