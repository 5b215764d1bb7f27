"""Scheduler's Kafka entrypoints in memory (TestKafkaBroker) with hand-written fakes."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from faststream.kafka import KafkaBroker, TestKafkaBroker

from herald.contracts import Engagement, Recipient, Topic
from herald.contracts.internal import CancelRequested, ContactInvalidated, RequestEnvelope
from herald.runtime.subscriptions import Consumers
from herald.scheduler.handlers import build_router
from herald.scheduler.ports import ContentionError
from herald.scheduler.settings import SchedulerSettings
from tests.support.fakes import FakeEventBus, dead_letters, health
from tests.support.scheduler import envelope, push_request, recipient
from tests.support.service import DELIVERY_ID_KEY
from tests.support.signing import producer_signer, signed, verifier

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


@dataclass
class Fakes:
    planned: list[RequestEnvelope] = field(default_factory=list)
    cancelled: list[CancelRequested] = field(default_factory=list)
    changes: list[tuple[str, str, Recipient | None]] = field(default_factory=list)
    dead: list[ContactInvalidated] = field(default_factory=list)
    engaged: list[Engagement] = field(default_factory=list)
    deadlocks: int = 0

    async def plan(self, env: RequestEnvelope) -> None:
        if self.deadlocks:
            self.deadlocks -= 1
            raise ContentionError("deadlock detected")
        self.planned.append(env)

    def streams(self, env: RequestEnvelope) -> bool:
        return env.request.audience.recipients is None

    async def cancel(self, event: CancelRequested) -> None:
        self.cancelled.append(event)

    async def apply(self, changes: Sequence[tuple[str, str, Recipient | None]]) -> None:
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
    dlq = dead_letters(events, "scheduler")
    b = KafkaBroker()
    b.include_router(build_router(Consumers(dlq, health(), settings, verifier()), f, f, f, f, dlq))
    return b


async def publish(
    br: TestKafkaBroker, value: bytes | None, topic: Topic, key: bytes, **kw: Any
) -> None:
    """As its producer would: signed (by acme's on upstream topics, unless `tenant`)."""
    tenant = kw.pop("tenant", None)
    by = producer_signer(tenant) if tenant else None
    await br.publish(value, str(topic), key=key, headers=signed(str(topic), key, value, by), **kw)


async def test_profiles_and_tombstones_reach_the_directory_in_their_producers_tenant() -> None:
    f, events = Fakes(), FakeEventBus()
    async with TestKafkaBroker(broker(f, events)) as br:
        await publish(br, recipient("u-1").model_dump_json().encode(), Topic.RECIPIENTS, b"u-1")
        await publish(br, None, Topic.RECIPIENTS, b"u-1", partition=1)
        await publish(br, None, Topic.RECIPIENTS, b"u-1", partition=2, tenant="globex")
    assert [(t, rid, v is None) for t, rid, v in f.changes] == [
        ("acme", "u-1", False),
        ("acme", "u-1", True),
        ("globex", "u-1", True),
    ]


async def test_a_profile_of_another_tenant_never_reaches_the_directory() -> None:
    f, events = Fakes(), FakeEventBus()
    async with TestKafkaBroker(broker(f, events)) as br:
        raw = recipient("u-1").model_dump_json().encode()  # tenant acme
        await publish(br, raw, Topic.RECIPIENTS, b"u-1", tenant="globex")
    assert not f.changes
    [letter] = events.on(Topic.DLQ)
    assert letter.json()["error"] == "unauthorized"
    assert "'test-globex' speaks for tenant 'globex', not for 'acme'" in letter.json()["message"]


async def test_internal_topics_refuse_what_an_upstream_producer_signed() -> None:
    f, events = Fakes(), FakeEventBus()
    env = envelope(push_request("r-9", {"all": True}), NOW).model_dump_json().encode()
    async with TestKafkaBroker(broker(f, events)) as br:
        await publish(br, env, Topic.APPROVED, b"r-9", tenant="acme")
    assert not f.planned
    [letter] = events.on(Topic.DLQ)
    assert letter.json()["error"] == "unauthorized"
    assert "only Herald writes push.approved.v1" in letter.json()["message"]


async def test_approved_requests_are_planned_and_a_rolled_back_one_is_retried() -> None:
    f, events = Fakes(deadlocks=1), FakeEventBus()
    env = envelope(push_request("r-1", {"all": True}), NOW)
    async with TestKafkaBroker(broker(f, events)) as br:
        await publish(br, env.model_dump_json().encode(), Topic.APPROVED, b"r-1")
    assert [e.request.request_id for e in f.planned] == ["r-1"]
    assert not events.on(Topic.DLQ)


async def test_critical_and_bulk_requests_are_each_planned_once_by_their_own_group() -> None:
    f, events = Fakes(), FakeEventBus()
    blast = envelope(push_request("blast", {"all": True}), NOW)
    otp = envelope(push_request("otp", {"all": True}, category="transactional"), NOW)
    async with TestKafkaBroker(broker(f, events)) as br:
        await publish(br, blast.model_dump_json().encode(), Topic.APPROVED, b"blast")
        await publish(br, otp.model_dump_json().encode(), Topic.APPROVED, b"otp")
    assert sorted(e.request.request_id for e in f.planned) == ["blast", "otp"]
    assert not events.on(Topic.DLQ)


async def test_cancels_dead_contacts_and_engagement_are_handed_on() -> None:
    f, events = Fakes(), FakeEventBus()
    cancel = CancelRequested(tenant="acme", request_id="r-2", by="x", at=NOW)
    dead = ContactInvalidated(
        tenant="acme", recipient_id="u-1", channel="sms", contact="+1", reason="gone", at=NOW
    )
    seen = Engagement(event_id="e-1", delivery_id="d-1", kind="opened", at=NOW)
    async with TestKafkaBroker(broker(f, events)) as br:
        await publish(br, cancel.model_dump_json().encode(), Topic.CANCELS, b"r-2")
        await publish(br, dead.model_dump_json().encode(), Topic.CONTACTS, b"u-1")
        await publish(br, seen.model_dump_json().encode(), Topic.ENGAGEMENT, b"d-1")
    assert f.cancelled == [cancel]
    assert f.dead == [dead]
    assert f.engaged == [seen.model_copy(update={"tenant": "acme"})]  # its producer's tenant


async def test_unreadable_approved_message_is_dead_lettered() -> None:
    f, events = Fakes(), FakeEventBus()
    async with TestKafkaBroker(broker(f, events)) as br:
        await publish(br, b"{nope", Topic.APPROVED, b"r-3")
    assert not f.planned
    [letter] = events.on(Topic.DLQ)
    assert letter.json()["error"] == "invalid_request"
