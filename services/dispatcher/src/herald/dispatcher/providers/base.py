"""The provider port: render nothing, decide nothing, just deliver one message."""

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from herald.contracts import Channel
from herald.contracts.recipient import Contacts


@dataclass(frozen=True, slots=True)
class Message:
    """One rendered message for one channel; links are already tracking links."""

    delivery_id: str
    request_id: str
    tenant: str
    recipient_id: str
    channel: Channel
    contacts: Contacts
    title: str
    body: str
    url: str | None
    labels: dict[str, str]
    subject: str | None = None
    html: str | None = None
    """Sanitised HTML (e-mail, in-app), with the open-tracking pixel where there is one."""
    unsubscribe_url: str | None = None
    category: str = "notification"
    priority: str = "normal"
    locale: str | None = None
    expires_at: int | None = None
    """Unix seconds after which the message is worthless (APNs/FCM expiry)."""
    trace_id: str = ""


class Result(StrEnum):
    SENT = "sent"  # the provider took it
    DELIVERED = "delivered"  # the provider says it reached the recipient
    RETRYABLE = "retryable"  # timeouts, 429, 5xx
    PERMANENT = "permanent"  # no retry helps


@dataclass(frozen=True, slots=True)
class Attempt:
    result: Result
    provider: str
    detail: str = ""
    retry_after: float | None = None
    """Seconds the provider asked us to wait (Retry-After), if it said."""
    dead_contacts: tuple[str, ...] = field(default=())
    """Contacts the provider says no longer exist (unregistered push tokens)."""

    @property
    def ok(self) -> bool:
        return self.result in (Result.SENT, Result.DELIVERED)


class Provider(Protocol):
    name: str

    async def send(self, message: Message) -> Attempt: ...
