"""Who can be reached on which channel; deterministic delivery ids; dead contacts."""

import hashlib
from dataclasses import dataclass

from herald.contracts import Category, Channel, Priority, PushRequest, ReasonCode, Recipient
from herald.contracts.recipient import Contacts

PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.CRITICAL: 3}


def delivery_id(tenant: str, request_id: str, recipient_id: str) -> str:
    """Deterministic, so that re-planning after a crash yields the same ids."""
    digest = hashlib.blake2b(
        f"{tenant}\x00{request_id}\x00{recipient_id}".encode(), digest_size=12
    ).hexdigest()
    return f"d-{digest}"


def has_contact(channel: Channel, contacts: Contacts) -> bool:  # noqa: PLR0911 - one per channel
    match channel:
        case Channel.SMS:
            return bool(contacts.phone)
        case Channel.EMAIL:
            return bool(contacts.email)
        case Channel.APP_PUSH:
            return bool(contacts.push_tokens)
        case Channel.WEBHOOK:
            return bool(contacts.webhook)
        case Channel.SOCIAL:
            return bool(contacts.wechat_openid)
        case Channel.IN_APP:
            return True  # the inbox needs no contact
    return False


@dataclass(frozen=True, slots=True)
class Reach:
    channels: tuple[Channel, ...]
    suppressed: ReasonCode | None


def reach(request: PushRequest, recipient: Recipient | None) -> Reach:
    """The request's channels this recipient can be reached on, in preference order.

    Marketing needs consent for marketing; every category respects a channel opt-out.
    The audience query (`adapters/postgres/audience.py`) says the same in SQL; keep the
    two in step (the unit tests' fake audience uses this function).
    """
    if recipient is None:
        return Reach((), ReasonCode.NO_CONTACT)
    if request.category == Category.MARKETING and not recipient.consent.marketing:
        return Reach((), ReasonCode.OPTED_OUT)
    reachable = [c for c in request.channels if has_contact(c, recipient.contacts)]
    if not reachable:
        return Reach((), ReasonCode.NO_CONTACT)
    consented = tuple(c for c in reachable if recipient.consent.channels.get(c, True))
    if not consented:
        return Reach((), ReasonCode.OPTED_OUT)
    return Reach(consented, None)


def drop_contact(contacts: Contacts, channel: Channel, contact: str) -> Contacts:
    """The contacts without one a provider reported dead (unchanged if it is not there)."""
    match channel:
        case Channel.APP_PUSH:
            tokens = tuple(t for t in contacts.push_tokens if t.token != contact)
            return contacts.model_copy(update={"push_tokens": tokens})
        case Channel.SMS if contacts.phone == contact:
            return contacts.model_copy(update={"phone": None})
        case Channel.EMAIL if contacts.email == contact:
            return contacts.model_copy(update={"email": None})
        case Channel.WEBHOOK if contacts.webhook == contact:
            return contacts.model_copy(update={"webhook": None})
        case Channel.SOCIAL if contacts.wechat_openid == contact:
            return contacts.model_copy(update={"wechat_openid": None})
    return contacts
