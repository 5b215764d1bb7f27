"""Scheduler's Kafka entrypoints in memory (TestKafkaBroker) with hand-written fakes."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from faststream.kafka import KafkaBroker, TestKafkaBroker

from herald.contracts import Engagement, Recipient, Topic
from herald.contracts.internal import CancelRequested, ContactInvalidated, RequestEnvelope
from herald.scheduler.handlers import build_router
from herald.scheduler.ports import ContentionError
from herald.scheduler.settings import SchedulerSettings
from tests.support.fakes import FakeEventBus, dead_letters, health
from tests.support.scheduler import envelope, push_request, recipient
from tests.support.service import DELIVERY_ID_KEY

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


@dataclass
class Fakes:
    planned: list[RequestEnvelope] = field(default_factory=list)
    cancelled: list[CancelRequested] = field(default_factory=list)
    changes: list[tuple[str | None, str, Recipient | None]] = field(default_factory=list)
    dead: list[ContactInvalidated] = field(default_factory=list)
    engaged: list[Engagement] = field(default_factory=list)
    deadlocks: int = 0

    async def plan(self, env: RequestEnvelope) -> None:
        if self.deadlocks:
            self.deadlocks -= 1
            raise ContentionError("deadlock detected")
        self.planned.append(env)

    async def cancel(self, event: CancelRequested) -> None:
        self.cancelled.append(event)

    async def apply(self, changes: Sequence[tuple[str | None, str, Recipient | None]]) -> None:
        self.changes.extend(changes)

    async def invalidate(self, dead: Sequence[ContactInvalidated]) -> int:
        self.dead.extend(dead)
        return len(dead)

    async def record(self, events: Sequence[Engagement]) -> None:
        self.engaged.extend(events)


def broker(f: Fakes, events: FakeEventBus) -> KafkaBroker:
    settings = SchedulerSettings(
        database_url="postgresql://unused", tenants="acme", delivery_id_key=DELIVERY_ID_KEY
    )
    b = KafkaBroker()
    b.include_router(
        build_router(f, f, f, f, dead_letters(events, "scheduler"), health(), settings)
    )
    return b


async def test_profiles_and_tombstones_reach_the_directory_by_recipient_id() -> None:
    f, events = Fakes(), FakeEventBus()
    async with TestKafkaBroker(broker(f, events)) as br:
        await br.publish(
            recipient("u-1").model_dump_json().encode(), str(Topic.RECIPIENTS), key=b"u-1"
        )
        await br.publish(None, str(Topic.RECIPIENTS), key=b"u-1", partition=1)
    assert [(t, rid, v is None) for t, rid, v in f.changes] == [
        ("acme", "u-1", False),
        (None, "u-1", True),
    ]


async def test_approved_requests_are_planned_and_a_rolled_back_one_is_retried() -> None:
    f, events = Fakes(deadlocks=1), FakeEventBus()
    env = envelope(push_request("r-1", {"all": True}), NOW)
    async with TestKafkaBroker(broker(f, events)) as br:
        await br.publish(env.model_dump_json().encode(), str(Topic.APPROVED), key=b"r-1")
    assert [e.request.request_id for e in f.planned] == ["r-1"]
    assert not events.on(Topic.DLQ)


async def test_cancels_dead_contacts_and_engagement_are_handed_on() -> None:
    f, events = Fakes(), FakeEventBus()
    cancel = CancelRequested(tenant="acme", request_id="r-2", by="x", at=NOW)
    dead = ContactInvalidated(
        tenant="acme", recipient_id="u-1", channel="sms", contact="+1", reason="gone", at=NOW
    )
    seen = Engagement(event_id="e-1", delivery_id="d-1", kind="opened", at=NOW)
    async with TestKafkaBroker(broker(f, events)) as br:
        await br.publish(cancel.model_dump_json().encode(), str(Topic.CANCELS), key=b"r-2")
        await br.publish(dead.model_dump_json().encode(), str(Topic.CONTACTS), key=b"u-1")
        await br.publish(seen.model_dump_json().encode(), str(Topic.ENGAGEMENT), key=b"d-1")
    assert f.cancelled == [cancel]
    assert f.dead == [dead]
    assert f.engaged == [seen]


async def test_unreadable_approved_message_is_dead_lettered() -> None:
    f, events = Fakes(), FakeEventBus()
    async with TestKafkaBroker(broker(f, events)) as br:
        await br.publish(b"{nope", str(Topic.APPROVED), key=b"r-3")
    assert not f.planned
    [letter] = events.on(Topic.DLQ)
    assert letter.json()["error"] == "invalid_request"
