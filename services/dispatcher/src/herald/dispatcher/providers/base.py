"""The provider port: render nothing, decide nothing, just deliver messages.

`send` delivers one message; `send_many` delivers a batch, one Attempt per message in
the same order. Its default runs `send` for each message, at most `concurrency` at once
(a provider's own attribute if it has one, else `DEFAULT_CONCURRENCY`); providers whose
vendor has a bulk API override it (docs/providers.md, "Bulk sends").
"""

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Protocol

from herald.contracts import Channel
from herald.contracts.recipient import Contacts

DEFAULT_CONCURRENCY = 16


# deliberate declaration: one rendered message, field by field
@dataclass(slots=True)
class Message:
    """One rendered message for one channel; links are already tracking links. Treat it
    as immutable (change one with `dataclasses.replace`): it is not `frozen` because a
    frozen dataclass's `__init__` sets each of its 17 fields through `object.__setattr__`,
    ~3 µs of the dispatcher's CPU per send more (issue 17)."""

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


class Blame(StrEnum):
    """Whose health an answer speaks for, which decides whether it moves the breaker."""

    PROVIDER = "provider"
    """The provider's own: counts toward the circuit breaker every tenant shares."""
    SEND = "send"
    """This send's own input or target (a tenant's webhook receiver, a contact or message
    that cannot be sent): never counts as the provider failing, so one tenant's bad data
    or dead endpoint cannot open the breaker for every tenant."""


@dataclass(frozen=True, slots=True)
class Attempt:
    result: Result
    provider: str
    detail: str = ""
    retry_after: float | None = None
    """Seconds the provider asked us to wait (Retry-After), if it said."""
    dead_contacts: tuple[str, ...] = field(default=())
    """Contacts the provider says no longer exist (unregistered push tokens)."""
    blame: Blame = Blame.PROVIDER
    skipped: bool = False
    """Nothing was called: the target's own circuit is open for `retry_after` seconds
    (hosts.py). No attempt is counted; the send fails over, or waits if no route is left."""

    @property
    def ok(self) -> bool:
        return self.result in (Result.SENT, Result.DELIVERED)


class Provider(Protocol):
    name: str

    async def send(self, message: Message) -> Attempt: ...

    async def send_many(self, messages: Sequence[Message]) -> list[Attempt]:
        """One Attempt per message, in order; by default `send` for each, concurrently."""
        limit = getattr(self, "concurrency", DEFAULT_CONCURRENCY)
        return await each(self.send, messages, limit)


async def each(
    send: Callable[[Message], Awaitable[Attempt]], messages: Sequence[Message], limit: int
) -> list[Attempt]:
    """`send` for every message, at most `limit` at once; answers in the messages' order."""
    slots = asyncio.Semaphore(max(1, limit))

    async def one(message: Message) -> Attempt:
        async with slots:
            return await send(message)

    return list(await asyncio.gather(*(one(m) for m in messages)))
