"""Status callbacks' ports: where subscriptions and deliveries are kept, and who POSTs.
`adapters.callbacks` implements them; unit tests hand in fakes."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from herald.intake.callbacks.domain import EventType, Queued, Subscription
from herald.intake.callbacks.views import DeliveryOut


@dataclass(frozen=True, slots=True)
class Claimed:
    """A delivery taken for one attempt, until `lease` (then it may be taken again)."""

    delivery_id: str
    event_id: str
    subscription: Subscription
    body: bytes
    failures: int
    """Failed attempts so far (since it was queued or replayed)."""
    expires_at: datetime
    lease: datetime


@dataclass(frozen=True, slots=True)
class Answer:
    """What one POST got: the receiver's status, or why there was none."""

    status_code: int | None
    latency_ms: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


@dataclass(frozen=True, slots=True)
class Tried:
    claimed: Claimed
    answer: Answer
    at: datetime
    next_at: datetime | None
    """When it is tried again; None when delivered or given up."""


class SubscriptionStore(Protocol):
    async def add(self, sub: Subscription) -> None: ...

    async def get(self, tenant: str, sub_id: str) -> Subscription | None: ...

    async def listing(self, tenant: str) -> list[Subscription]: ...

    async def remove(self, tenant: str, sub_id: str) -> None: ...

    async def rotate(self, tenant: str, sub_id: str, secret: str, keep_until: datetime) -> None:
        """The new secret; the old one is still honoured until `keep_until`."""

    async def enable(self, tenant: str, sub_id: str, now: datetime) -> None:
        """Active again, failures forgotten, its waiting deliveries due now."""

    async def wanting(self, tenants: Sequence[str], kind: EventType) -> list[Subscription]:
        """Every subscription of these tenants that asked for this type of event."""


class Outbox(Protocol):
    async def request_departments(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        """(tenant, request_id) -> the submitter's department, for requests intake has."""

    async def requester_departments(
        self, keys: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], str]:
        """(tenant, user) -> the department of that user's latest request."""

    async def enqueue(self, items: Sequence[Queued], now: datetime, deadline: datetime) -> int:
        """Queue each once per (subscription, event), in order; how many were new."""

    async def purge(self, before: datetime) -> int:
        """Forget finished deliveries (and their attempts) queued before `before`."""

    async def expire(self, now: datetime) -> int:
        """Fail the pending deliveries past their deadline; how many."""

    async def claim(
        self, now: datetime, lease: datetime, per_subscription: int, limit: int
    ) -> list[Claimed]:
        """Due deliveries of active subscriptions, at most `per_subscription` of each in
        flight, never one while an earlier one of the same subject is pending."""

    async def record(self, tried: Tried, disable_after: int) -> bool:
        """Keep the attempt and its outcome; True if it disabled the subscription."""

    async def deliveries(
        self, sub_id: str, limit: int, state: str | None = None
    ) -> list[DeliveryOut]: ...

    async def replay(
        self, sub_id: str, delivery_id: str, now: datetime, deadline: datetime
    ) -> DeliveryOut | None:
        """Due again now, with a fresh deadline; None if no such delivery."""


class Poster(Protocol):
    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer: ...
