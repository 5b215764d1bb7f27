"""Herald's public contract (v1) and the internal events its services exchange.

Every model is frozen and ignores fields it does not know, as the contract asks of
consumers. Public models live in their own modules; internal events in `internal`.
"""

from herald.contracts.common import ID_PATTERN_RE, Channel, Id
from herald.contracts.consent import ConsentChanged, ConsentSource
from herald.contracts.dead_letter import DeadLetter
from herald.contracts.engagement import Engagement, EngagementKind
from herald.contracts.errors import FieldError, describe_validation_error
from herald.contracts.push_request import (
    Audience,
    Category,
    Content,
    Media,
    Priority,
    PushRequest,
    Requester,
    Schedule,
    Segment,
    Source,
    Variant,
)
from herald.contracts.reasons import ReasonCode
from herald.contracts.recipient import Consent, Contacts, PushToken, QuietHours, Recipient
from herald.contracts.status import TERMINAL_STATUSES, Counts, Reason, Status, StatusKind
from herald.contracts.topics import Topic

__all__ = [
    "ID_PATTERN_RE",
    "TERMINAL_STATUSES",
    "Audience",
    "Category",
    "Channel",
    "Consent",
    "ConsentChanged",
    "ConsentSource",
    "Contacts",
    "Content",
    "Counts",
    "DeadLetter",
    "Engagement",
    "EngagementKind",
    "FieldError",
    "Id",
    "Media",
    "Priority",
    "PushRequest",
    "PushToken",
    "QuietHours",
    "Reason",
    "ReasonCode",
    "Recipient",
    "Requester",
    "Schedule",
    "Segment",
    "Source",
    "Status",
    "StatusKind",
    "Topic",
    "Variant",
    "describe_validation_error",
]
