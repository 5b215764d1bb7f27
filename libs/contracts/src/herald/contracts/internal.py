"""Events Herald's services exchange among themselves (not public; change by addition)."""

from enum import StrEnum

from pydantic import AwareDatetime, Field

from herald.contracts.common import Channel, Id, Model
from herald.contracts.push_request import Category, Content, Priority, PushRequest
from herald.contracts.reasons import ReasonCode
from herald.contracts.recipient import Contacts


class Submitter(Model):
    """Who submitted a request, as the credential that carried it says (never the body).

    Four eyes, strikes and bans key on this, not on `request.requester`."""

    user: str
    department: str
    credential: str
    """The API key id (HTTP) or producer id (Kafka) the request came with."""
    via: str
    """`http` or `kafka`; `body` where review stands in for one an envelope from before
    submitters existed lacks (the body's requester, no credential)."""


class RequestEnvelope(Model):
    """A request on its way through the pipeline: intake -> review -> scheduler."""

    request: PushRequest
    trace_id: str
    at: AwareDatetime
    submitter: Submitter | None = None
    """Set by intake from the credential; None only in envelopes from before it existed."""


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
    attributes: dict[str, str] = Field(default_factory=dict)
    """The recipient's attributes a template names (`recipient.attributes.<key>`), only those."""
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
    """The canceller's user, from their API key."""
    at: AwareDatetime
    credential: str | None = None
    """The API key id the cancel came with (None in events from before it existed)."""


# deliberate declaration: an internal contract enum (docs/contract.md), one member per value
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


class BatchedSend(Model):
    """One recipient's part of a SendBatch: what differs between the batch's recipients."""

    delivery_id: Id
    recipient_id: Id
    channels: tuple[Channel, ...]
    contacts: Contacts
    locale: str | None = None
    attributes: dict[str, str] = Field(default_factory=dict)
    """The recipient's attributes a template's placeholders may use."""
    due_at: AwareDatetime
    deferred: tuple[ReasonCode, ...] = ()


class SendBatch(Model):
    """Due sends of one request released together: scheduler -> dispatcher.

    What the sends share (content, labels, category ...) rides once per batch; each
    recipient's part is a BatchedSend. `batch_id` is unique per release and stable across
    a redelivery of the same message."""

    batch_id: Id
    request_id: Id
    tenant: Id
    department: str
    category: Category
    priority: Priority
    content: Content
    labels: dict[str, str] = Field(default_factory=dict)
    expires_at: AwareDatetime | None = None
    trace_id: str = ""
    sends: tuple[BatchedSend, ...]


# deliberate declaration: the per-recipient part of Outcome, field by field (two wire shapes
# that change only by addition: sharing a base would add a field to both at once)
class BatchedOutcome(Model):
    """One recipient's outcome inside an OutcomeBatch."""

    delivery_id: Id
    recipient_id: Id | None
    outcome: OutcomeKind
    channel: Channel | None = None
    provider: str | None = None
    reason: ReasonCode | None = None
    detail: str = ""
    at: AwareDatetime
    deferred: tuple[ReasonCode, ...] = ()


class OutcomeBatch(Model):
    """Outcomes of one request's sends: dispatcher or scheduler -> tracker."""

    batch_id: Id
    request_id: Id
    tenant: Id
    department: str
    trace_id: str = ""
    outcomes: tuple[BatchedOutcome, ...]


SEND_SHARED = tuple(f for f in SendBatch.model_fields if f not in ("batch_id", "sends"))
"""The fields a SendBatch carries once for all its sends (the rest is each BatchedSend)."""
OUTCOME_SHARED = tuple(f for f in OutcomeBatch.model_fields if f not in ("batch_id", "outcomes"))
"""The fields an OutcomeBatch carries once for all its outcomes."""
