"""The provider port: render nothing, decide nothing, just deliver one message."""

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from herald.contracts import Channel
from herald.contracts.recipient import Contacts


@dataclass(frozen=True, slots=True)
class Message:
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


class Provider(Protocol):
    name: str

    async def send(self, message: Message) -> Attempt: ...
