"""Events Herald's services exchange among themselves (not public; change by addition)."""

from enum import StrEnum

from pydantic import AwareDatetime, Field

from herald.contracts.common import Channel, Id, Model
from herald.contracts.push_request import Category, Content, Priority, PushRequest
from herald.contracts.reasons import ReasonCode
from herald.contracts.recipient import Contacts


class RequestEnvelope(Model):
    """A request on its way through the pipeline: intake -> review -> scheduler."""

    request: PushRequest
    trace_id: str
    at: AwareDatetime


class Send(Model):
    """One recipient's message, due now: scheduler -> dispatcher (key: delivery_id)."""

    delivery_id: Id
    request_id: Id
    tenant: Id
    department: str
    recipient_id: Id
    category: Category
    priority: Priority
    channels: tuple[Channel, ...]
    contacts: Contacts
    locale: str | None = None
    content: Content
    labels: dict[str, str] = Field(default_factory=dict)
    due_at: AwareDatetime
    expires_at: AwareDatetime | None = None
    trace_id: str = ""
    deferred: tuple[ReasonCode, ...] = ()
    """Why the send went out later than asked (quiet hours, blackout, caps)."""


class OutcomeKind(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    SUPPRESSED = "suppressed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


class Outcome(Model):
    """What became of one recipient's send: dispatcher or scheduler -> tracker.

    Every recipient of a request gets exactly one outcome; tracker completes the
    request when it has all of them.
    """

    delivery_id: Id
    request_id: Id
    tenant: Id
    department: str
    recipient_id: Id | None
    outcome: OutcomeKind
    channel: Channel | None = None
    provider: str | None = None
    reason: ReasonCode | None = None
    detail: str = ""
    at: AwareDatetime
    trace_id: str = ""
    deferred: tuple[ReasonCode, ...] = ()


class CancelRequested(Model):
    tenant: Id
    request_id: Id
    by: str
    at: AwareDatetime


class Standing(StrEnum):
    GOOD = "good"
    WARNED = "warned"
    RESTRICTED = "restricted"
    BANNED = "banned"


class StandingChanged(Model):
    """Review moved a requester or department on the strike ladder (key: tenant:subject)."""

    tenant: Id
    subject_kind: str  # "requester" or "department"
    subject: str
    standing: Standing
    at: AwareDatetime


class ContactInvalidated(Model):
    """A provider said a contact is dead (e.g. an unregistered push token): dispatcher ->
    scheduler's directory, which stops using it (key: recipient_id)."""

    tenant: Id
    recipient_id: Id
    channel: Channel
    contact: str
    """The dead contact itself (a push token, a phone number); compared, never logged."""
    reason: str
    at: AwareDatetime
