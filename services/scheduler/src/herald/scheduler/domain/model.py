"""The records the scheduler reasons about and keeps: plans, audience members, timers.

Storage (`ports`) takes and gives these; the rules in this package work on them
without knowing where they are kept.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from herald.contracts import QuietHours, Recipient

PlanKey = tuple[str, str]
"""(tenant, request_id)"""
RecipientKey = tuple[str, str]
"""(tenant, recipient_id)"""


class PlanState(StrEnum):
    # deliberate declaration (shaped like every StrEnum): the values are stored in plans.state.
    CANCEL_REQUESTED = "cancel_requested"
    """A cancel came first; no envelope yet."""
    EXPANDING = "expanding"
    """Nothing announced yet."""
    STREAMING = "streaming"
    """`scheduled` announced, recipients being expanded from `cursor` on."""
    SCHEDULED = "scheduled"
    """Every recipient expanded."""
    CANCELLED = "cancelled"


# deliberate declaration: what scheduler.plans keeps of a request, field by field
@dataclass(frozen=True, slots=True)
class Plan:
    """One approved (or cancelled-before-approval) request; `complete` once every
    recipient has a timer or an outcome."""

    state: PlanState
    cursor: str
    expanded: int
    recipients: int
    suppressed: int
    complete: bool
    dispatching: bool


@dataclass(frozen=True, slots=True)
class PlanCounts:
    """A plan that has just started dispatching, with the counts to announce."""

    tenant: str
    request_id: str
    recipients: int
    suppressed: int


@dataclass(frozen=True, slots=True)
class Member:
    """One audience row: why it is suppressed (None: reachable) and the request's
    channels it can be reached on, in preference order."""

    recipient_id: str
    reason: str | None
    channels: tuple[str, ...]
    timezone: str | None
    quiet_hours: QuietHours | None


@dataclass(frozen=True, slots=True)
class Timer:
    """A send waiting for its time."""

    delivery_id: str
    tenant: str
    request_id: str
    recipient_id: str
    due_at: datetime
    expires_at: datetime | None
    priority: int
    category: str = "notification"
    lane: str = ""
    """The lane it is paced on: the first reachable channel at planning time, or that
    channel's critical lane (`domain.pacing.lane_for`)."""
    deferred: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Due:
    """A claimed timer with the recipient's profile as it is now (None: erased)."""

    timer: Timer
    recipient: Recipient | None

    @property
    def delivery_id(self) -> str:
        return self.timer.delivery_id

    @property
    def key(self) -> RecipientKey:
        return self.timer.tenant, self.timer.recipient_id


@dataclass(frozen=True, slots=True)
class Stopped:
    """A timer a cancel removed (it ends `cancelled`)."""

    delivery_id: str
    recipient_id: str
    deferred: tuple[str, ...]
