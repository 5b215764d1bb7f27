"""Intake's Kafka path, in memory (TestKafkaBroker) with fake storage and event bus."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from faststream.kafka import KafkaBroker, TestKafkaBroker
from prometheus_client import CollectorRegistry
from tests.support.fakes import FakeEventBus, dead_letters, health
from tests.support.signing import producer_signer, signed, verifier
from tests.unit.intake.fakes import FakeRequestRepository

from herald.contracts import Topic
from herald.contracts.internal import Standing
from herald.intake.handlers import RequestHandler, build_router
from herald.intake.metrics import IntakeMetrics
from herald.intake.settings import IntakeSettings
from herald.intake.submission import Intake
from herald.runtime.subscriptions import Consumers

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


def request(rid: str = "r-1", **over: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "g",
        "category": "marketing",
        "channels": ["sms"],
        "content": {"title": "t", "body": "b"},
        "audience": {"all": True},
    }
    body.update(over)
    return body


class Harness:
    def __init__(self) -> None:
        self.events = FakeEventBus()
        self.repo = FakeRequestRepository()
        settings = IntakeSettings(database_url="postgresql://unused", tenants="acme")
        metrics = IntakeMetrics(CollectorRegistry(), settings.tenant_set)
        intake = Intake(self.repo, self.events, lambda: NOW, metrics)  # type: ignore[arg-type]
        dlq = dead_letters(self.events, "intake")
        on_request = RequestHandler(intake, dlq, metrics, lambda: settings.limits(NOW))
        consumers = Consumers(dlq, health(), settings, verifier())
        self.broker = KafkaBroker()
        self.broker.include_router(build_router(consumers, on_request, self.repo))

    async def send(
        self, br: Any, *payloads: bytes, key: str = "k", headers: dict[str, str] | None = None
    ) -> None:
        """Signed by the test producer of acme, unless `headers` are given."""
        # the in-memory broker gives every message offset 0: partitions keep them apart
        for i, p in enumerate(payloads):
            topic, k = str(Topic.REQUESTS), key.encode()
            h = signed(topic, k, p, producer_signer()) if headers is None else headers
            await br.publish(p, topic=topic, key=k, partition=i, headers=h)

    def statuses(self, rid: str) -> list[str]:
        return [p.json()["status"] for p in self.events.on(Topic.STATUS) if p.key == rid]


@pytest.fixture
def h() -> Harness:
    return Harness()


async def test_valid_request_is_accepted_and_passed_to_review(h: Harness) -> None:
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, json.dumps(request()).encode())
    assert h.statuses("r-1") == ["accepted"]
    [passed] = h.events.on(Topic.ACCEPTED)
    assert passed.json()["request"]["request_id"] == "r-1"
    assert passed.json()["trace_id"]


async def test_malformed_message_among_good_ones_is_dead_lettered_and_others_pass(
    h: Harness,
) -> None:
    async with TestKafkaBroker(h.broker) as br:
        await h.send(
            br, json.dumps(request("a")).encode(), b"{oops", json.dumps(request("b")).encode()
        )
    assert h.statuses("a") == ["accepted"]
    assert h.statuses("b") == ["accepted"]
    [letter] = h.events.on(Topic.DLQ)
    assert letter.json()["error"] == "invalid_request"
    assert letter.json()["message"].startswith("not valid JSON")


async def test_schema_invalid_request_is_rejected_with_the_field(h: Harness) -> None:
    bad = request("r-2")
    bad["content"]["title"] = "x" * 101
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, json.dumps(bad).encode())
    [status] = [p.json() for p in h.events.on(Topic.STATUS)]
    assert status["status"] == "rejected"
    assert status["reasons"][0]["code"] == "invalid_request"
    assert "content.title: at most 100 characters" in status["reasons"][0]["message"]
    assert h.events.on(Topic.DLQ)


async def test_same_request_twice_is_a_duplicate_and_passed_on_once(h: Harness) -> None:
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, json.dumps(request()).encode(), json.dumps(request()).encode())
    assert h.statuses("r-1") == ["accepted", "duplicate"]
    assert len(h.events.on(Topic.ACCEPTED)) == 1


async def test_different_body_under_the_same_id_is_dead_lettered_as_conflict(h: Harness) -> None:
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, json.dumps(request()).encode(), json.dumps(request(goal="other")).encode())
    assert h.statuses("r-1") == ["accepted"]
    [letter] = h.events.on(Topic.DLQ)
    assert letter.json()["error"] == "duplicate"


async def test_tenant_the_deployment_does_not_serve_is_rejected(h: Harness) -> None:
    raw = json.dumps(request(tenant="globex")).encode()  # the harness serves acme only
    async with TestKafkaBroker(h.broker) as br:
        await h.send(
            br, raw, headers=signed(str(Topic.REQUESTS), b"k", raw, producer_signer("globex"))
        )
    [status] = [p.json() for p in h.events.on(Topic.STATUS)]
    assert status["status"] == "rejected"
    assert "tenant: this deployment does not serve that tenant" in status["reasons"][0]["message"]


async def test_send_at_in_the_past_beyond_grace_is_rejected(h: Harness) -> None:
    past = (NOW - timedelta(hours=1)).isoformat()
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, json.dumps(request(schedule={"send_at": past})).encode())
    assert (
        "schedule.send_at: is in the past"
        in h.events.on(Topic.STATUS)[0].json()["reasons"][0]["message"]
    )


async def test_banned_requester_is_rejected_as_restricted(h: Harness) -> None:
    h.repo.standings[("acme", "requester", "li.wei")] = Standing.BANNED
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, json.dumps(request()).encode())
    [status] = [p.json() for p in h.events.on(Topic.STATUS)]
    assert status["reasons"][0]["code"] == "requester_restricted"
    assert not h.events.on(Topic.ACCEPTED)


async def test_more_than_100000_explicit_recipients_is_refused(h: Harness) -> None:
    ids = [f"u{i}" for i in range(100_001)]
    settings = IntakeSettings(
        database_url="postgresql://unused", tenants="acme", max_payload_bytes=8 * 1024 * 1024
    )
    from herald.intake.domain import Invalid, parse_request

    raw = json.dumps(request(audience={"recipients": ids})).encode()
    parsed = parse_request(raw, settings.limits(NOW))
    assert isinstance(parsed, Invalid)
    assert "audience.recipients: at most 100000 items" in parsed.message


async def test_oversized_message_on_kafka_is_rejected_as_invalid_request(h: Harness) -> None:
    big = request(goal="g" * (16 * 1024 * 1024))
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, json.dumps(big).encode())
    [letter] = h.events.on(Topic.DLQ)
    assert letter.json()["error"] == "invalid_request"
    assert "the limit is 16777216" in letter.json()["message"]
    assert h.statuses("r-1") == ["rejected"]


async def test_deeply_nested_json_is_dead_lettered_not_dropped(h: Harness) -> None:
    deep = b'{"a":' * 20_000 + b"1" + b"}" * 20_000  # under the size limit, over any parser's depth
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, deep, json.dumps(request("after")).encode())
    [letter] = h.events.on(Topic.DLQ)
    assert letter.json()["error"] == "invalid_request"
    assert "recursion" in letter.json()["message"]
    assert h.statuses("after") == ["accepted"]


async def test_the_submitter_is_the_producer_credential_not_the_body(h: Harness) -> None:
    body = request(requester={"department": "finance", "user": "someone.else"})
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, json.dumps(body).encode())
    [passed] = h.events.on(Topic.ACCEPTED)
    assert passed.json()["submitter"] == {
        "user": "li.wei",
        "department": "marketing",
        "credential": "test-acme",
        "via": "kafka",
    }


async def test_a_request_for_another_tenant_is_refused_and_told_only_to_the_producer(
    h: Harness,
) -> None:
    raw = json.dumps(request("r-x", tenant="acme")).encode()
    headers = signed(str(Topic.REQUESTS), b"k", raw, producer_signer("globex"))
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, raw, headers=headers)
    assert not h.events.on(Topic.ACCEPTED)
    [letter] = h.events.on(Topic.DLQ)
    assert letter.json()["error"] == "unauthorized"
    assert (
        "'test-globex' submits for tenant 'globex' only, not for 'acme'"
        in (letter.json()["message"])
    )
    [status] = [p.json() for p in h.events.on(Topic.STATUS)]
    assert (status["tenant"], status["status"]) == ("globex", "rejected")
    assert status["reasons"][0]["code"] == "unauthorized"


async def test_an_invalid_request_for_another_tenant_says_nothing_to_that_tenant(
    h: Harness,
) -> None:
    raw = json.dumps(request("r-y", tenant="acme", goal="")).encode()
    headers = signed(str(Topic.REQUESTS), b"k", raw, producer_signer("globex"))
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, raw, headers=headers)
    assert [p.json()["tenant"] for p in h.events.on(Topic.STATUS)] == ["globex"]
    assert h.events.on(Topic.DLQ)[0].json()["error"] == "unauthorized"


@pytest.mark.parametrize(
    ("headers", "why"),
    [
        ({}, "unsigned record"),
        ({"x-herald-producer": "test-acme", "x-herald-signature": "v1=AAAA"}, "does not verify"),
        ({"x-herald-producer": "nobody", "x-herald-signature": "v1=AAAA"}, "unknown or revoked"),
    ],
)
async def test_unsigned_and_forged_requests_are_dead_lettered_unheard(
    h: Harness, headers: dict[str, str], why: str
) -> None:
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, json.dumps(request()).encode(), headers=headers)
    assert not h.events.on(Topic.ACCEPTED)
    assert not h.events.on(Topic.STATUS)
    [letter] = h.events.on(Topic.DLQ)
    assert (letter.json()["error"], letter.json()["source_topic"]) == (
        "unauthorized",
        "push.requests.v1",
    )
    assert why in letter.json()["message"]
