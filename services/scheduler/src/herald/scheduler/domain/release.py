"""What to do with one due timer: send it, defer it (caps), or end it with an outcome."""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from herald.contracts import Category, Channel, PushRequest, ReasonCode, Recipient
from herald.scheduler.domain import caps
from herald.scheduler.domain.localtime import zone_or
from herald.scheduler.domain.policy import TenantPolicy
from herald.scheduler.domain.reach import reach
from herald.scheduler.domain.timing import Timing, hold


class Verdict(StrEnum):
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


def timing_of(recipient: Recipient, policy: TenantPolicy) -> Timing:
    return Timing(
        zone_or(recipient.timezone, policy.timezone), recipient.quiet_hours or policy.quiet_hours
    )


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
    if not capped(policy, request.category):
        return Decision(Verdict.SEND, r.channels, deferred=deferred)
    timing = timing_of(recipient, policy)
    check = caps.check(policy.caps, usage, r.channels, now, timing.zone)
    if check.channels:
        return Decision(Verdict.SEND, check.channels, deferred=deferred)
    assert check.retry_at is not None
    due, why = hold(check.retry_at, request.category, timing, policy)
    noted = tuple(dict.fromkeys((*deferred, ReasonCode.FREQUENCY_CAPPED, *why)))
    if expires_at is not None and due >= expires_at:
        return Decision(Verdict.SUPPRESS, reason=ReasonCode.FREQUENCY_CAPPED, deferred=noted)
    return Decision(Verdict.DEFER, due_at=due, deferred=noted)
