"""What to do with one due send: send it, defer it (caps), or end it with an outcome."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from herald.contracts import Category, Channel, PushRequest, ReasonCode, Recipient
from herald.scheduler.domain import caps
from herald.scheduler.domain.policy import TenantPolicy
from herald.scheduler.domain.reach import reach
from herald.scheduler.domain.timing import Timing, hold, timing_for


class Verdict(StrEnum):
    # deliberate declaration (shaped like every StrEnum): what a release does with one send.
    SEND = "send"
    DEFER = "defer"
    SUPPRESS = "suppress"
    EXPIRE = "expire"


@dataclass(frozen=True, slots=True)
class Decision:
    verdict: Verdict
    channels: tuple[Channel, ...] = ()
    reason: ReasonCode | None = None
    due_at: datetime | None = None
    deferred: tuple[ReasonCode, ...] = ()


def capped(policy: TenantPolicy, category: Category) -> bool:
    c = policy.caps
    exempt = category in (Category.TRANSACTIONAL, Category.ALERT)
    return not exempt and category in c.categories and bool(c.all or c.channels)


def within_caps(
    category: Category,
    channels: tuple[Channel, ...],
    at: datetime,
    timing: Timing,
    policy: TenantPolicy,
    usage: Mapping[str, caps.Usage],
    expires_at: datetime | None,
    deferred: tuple[ReasonCode, ...],
) -> Decision:
    """A send at `at` on the channels the caps allow now; over the cap, held to the next
    slot they allow (then blackout and quiet hours again), or suppressed
    `frequency_capped` if that slot is not before `expires_at`.

    A release asks this at the due time with usage locked; the dry run at the planned
    time with usage as it stands."""
    if not capped(policy, category):
        return Decision(Verdict.SEND, channels, deferred=deferred)
    check = caps.check(policy.caps, usage, channels, at, timing.zone)
    if check.channels:
        return Decision(Verdict.SEND, check.channels, deferred=deferred)
    assert check.retry_at is not None
    due, why = hold(check.retry_at, category, timing, policy)
    noted = tuple(dict.fromkeys((*deferred, ReasonCode.FREQUENCY_CAPPED, *why)))
    if expires_at is not None and due >= expires_at:
        return Decision(Verdict.SUPPRESS, reason=ReasonCode.FREQUENCY_CAPPED, deferred=noted)
    return Decision(Verdict.DEFER, due_at=due, deferred=noted)


def decide(
    request: PushRequest,
    recipient: Recipient | None,
    expires_at: datetime | None,
    deferred: tuple[ReasonCode, ...],
    now: datetime,
    policy: TenantPolicy,
    usage: Mapping[str, caps.Usage],
) -> Decision:
    if expires_at is not None and now >= expires_at:
        return Decision(Verdict.EXPIRE, reason=ReasonCode.EXPIRED, deferred=deferred)
    r = reach(request, recipient)  # consent and contacts as they are now
    if r.suppressed is not None or recipient is None:
        return Decision(Verdict.SUPPRESS, reason=r.suppressed, deferred=deferred)
    if not capped(policy, request.category):  # most sends: no timing to work out (issue 17)
        return Decision(Verdict.SEND, r.channels, deferred=deferred)
    timing = timing_for(recipient.timezone, recipient.quiet_hours, policy)
    return within_caps(
        request.category, r.channels, now, timing, policy, usage, expires_at, deferred
    )
