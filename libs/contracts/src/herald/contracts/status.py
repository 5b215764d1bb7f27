"""Status: a request's lifecycle on push.status.v1."""

from enum import StrEnum
from typing import Any

from pydantic import AwareDatetime, Field

from herald.contracts.common import Id, Model
from herald.contracts.reasons import ReasonCode
from herald.contracts.templates import TemplateRef


class StatusKind(StrEnum):
    """In lifecycle order."""

    ACCEPTED = "accepted"
    DUPLICATE = "duplicate"
    PENDING_REVIEW = "pending_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    SCHEDULED = "scheduled"
    DISPATCHING = "dispatching"
    COMPLETED = "completed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


TERMINAL_STATUSES = frozenset(
    {
        StatusKind.DUPLICATE,
        StatusKind.REJECTED,
        StatusKind.COMPLETED,
        StatusKind.CANCELLED,
        StatusKind.EXPIRED,
    }
)


class Reason(Model):
    code: ReasonCode
    message: str
    detail: dict[str, Any] = Field(default_factory=dict)


class Counts(Model):
    recipients: int = Field(default=0, ge=0)
    suppressed: int = Field(default=0, ge=0)
    sent: int = Field(default=0, ge=0)
    delivered: int = Field(default=0, ge=0)
    failed: int = Field(default=0, ge=0)
    opened: int = Field(default=0, ge=0)
    clicked: int = Field(default=0, ge=0)
    # additions to v1
    expired: int = Field(default=0, ge=0)
    cancelled: int = Field(default=0, ge=0)


# deliberate declaration: a public event (docs/contract.md), field by field
class Status(Model):
    request_id: Id
    tenant: Id
    status: StatusKind
    at: AwareDatetime
    reasons: tuple[Reason, ...] = ()
    counts: Counts | None = None
    labels: dict[str, str] = Field(default_factory=dict)
    template: TemplateRef | None = None
    """The stored template version the request was made from (an addition to v1)."""
