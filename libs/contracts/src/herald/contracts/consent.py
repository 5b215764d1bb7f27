"""ConsentChanged: a recipient's own choice, made through Herald, on push.consent.v1.

Herald publishes one event per change a recipient makes through it: the one-click
opt-out in a marketing message, the preference centre, or an SMS reply (回T, STOP ...).
The systems that own the recipients' profiles (the writers of push.recipients.v1)
consume it and fold it into the profile's `consent`; Herald itself honours the change
at once, without waiting for the profile to come back. Key: `recipient_id`.
"""

from enum import StrEnum

from pydantic import AwareDatetime

from herald.contracts.common import Channel, Id, Model
from herald.contracts.push_request import Category


class ConsentSource(StrEnum):
    """How the recipient said it."""

    LINK = "link"
    """The signed one-click opt-out in a message (e-mail `List-Unsubscribe`, a link)."""
    PREFERENCES = "preferences"
    """The preference centre page."""
    SMS_REPLY = "sms_reply"
    """An SMS reply that is an opt-out keyword (回T, TD, 退订, STOP, UNSUBSCRIBE ...)."""


class ConsentChanged(Model):
    event_id: Id
    tenant: Id
    recipient_id: Id
    category: Category
    """Never `transactional`: those messages are not a recipient's to refuse here."""
    channel: Channel | None = None
    """None: every channel of the category."""
    allowed: bool
    """False: opted out; True: opted back in (the preference centre only)."""
    source: ConsentSource
    at: AwareDatetime
    delivery_id: Id | None = None
    """The message whose link was used, if a link was (the tracker counts it)."""
