"""A batch consumer: what is not signed by whoever may write the topic, or speaks for
another tenant, is dead-lettered as unauthorized; what cannot be decoded is dead-lettered;
an outage is waited out (readiness says so meanwhile), and a batch that fails otherwise is
retried one by one."""

import base64
from collections.abc import Sequence
from typing import Any

from aiokafka.structs import ConsumerRecord

from herald.contracts import Engagement, Recipient, Topic
from herald.contracts.internal import CancelRequested
from herald.runtime.consumer import (
    BatchConsumer,
    Received,
    model_decoder,
    optional_model_decoder,
    tenant_of,
)
from herald.runtime.health import Health
from herald.runtime.provenance import RecordSigner
from herald.runtime.subscriptions import values
from tests.support.fakes import FakeEventBus, dead_letters
from tests.support.signing import herald_signer, producer_signer, verifier


def record(
    value: bytes | None,
    offset: int = 0,
    topic: Topic = Topic.CANCELS,
    signer: RecordSigner | None = None,
    key: bytes = b"k",
) -> ConsumerRecord:
    headers = (signer or herald_signer()).headers(topic, key, value)
    return ConsumerRecord(
        str(topic), 0, offset, 0, 0, key, value, None, 0, len(value or b""), headers
    )


def consumer_of(topic: Topic, decode: Any, handle: Any, events: FakeEventBus) -> BatchConsumer[Any]:
    return BatchConsumer(topic, decode, handle, dead_letters(events), Health(), verifier())


def cancel(request_id: str) -> bytes:
    event = {"tenant": "acme", "request_id": request_id, "by": "u", "at": "2026-01-01T00:00:00Z"}
    return CancelRequested.model_validate(event).model_dump_json().encode()


async def test_bad_records_are_dead_lettered_and_the_rest_handled_as_one_batch() -> None:
    events, handled = FakeEventBus(), []

    async def handle(items: Sequence[Received[CancelRequested]]) -> None:
        handled.append([i.value.request_id for i in items])

    consumer = consumer_of(Topic.CANCELS, model_decoder(CancelRequested), handle, events)
    await consumer([record(cancel("r1")), record(b"{not json", 1), record(cancel("r2"), 2)])
    assert handled == [["r1", "r2"]]
    [letter] = events.on(Topic.DLQ)
    assert letter.json()["offset"] == 1
    assert letter.json()["error"] == "invalid_request"


async def test_an_outage_is_waited_out_and_readiness_says_so_meanwhile() -> None:
    health, seen = Health(), []

    async def handle(ids: list[CancelRequested]) -> None:
        seen.append(health.problems)
        if len(seen) < 3:
            raise ConnectionRefusedError("Postgres away")

    consumer = BatchConsumer(
        Topic.CANCELS,
        model_decoder(CancelRequested),
        values(handle),
        dead_letters(FakeEventBus()),
        health,
        verifier(),
        max_backoff_s=0.0,
    )
    await consumer([record(cancel("r1"))])
    assert seen[1] == {"cancels": "ConnectionRefusedError: Postgres away"}
    assert health.ready


async def test_a_failed_batch_is_retried_one_by_one_and_only_the_bad_one_dead_lettered() -> None:
    events, done = FakeEventBus(), []

    async def handle(items: list[CancelRequested]) -> None:
        if any(i.request_id == "poison" for i in items):
            raise ValueError("cannot handle poison")
        done.extend(i.request_id for i in items)

    consumer = consumer_of(Topic.CANCELS, model_decoder(CancelRequested), values(handle), events)
    await consumer([record(cancel(r), n) for n, r in enumerate(("r1", "poison", "r2"))])
    assert done == ["r1", "r2"]
    [letter] = events.on(Topic.DLQ)
    assert letter.json()["error"] == "processing_failed"
    assert letter.json()["offset"] == 1


def profile(rid: str, tenant: str) -> bytes:
    return Recipient(recipient_id=rid, tenant=tenant).model_dump_json().encode()


async def test_a_refused_record_is_dead_lettered_as_unauthorized_with_its_headers() -> None:
    events, handled = FakeEventBus(), []

    async def handle(items: Sequence[Received[CancelRequested]]) -> None:
        handled.extend(i.value.request_id for i in items)

    consumer = consumer_of(Topic.CANCELS, model_decoder(CancelRequested), handle, events)
    forged = record(cancel("r1"), 0, signer=producer_signer("acme"))
    await consumer([forged, record(cancel("r2"), 1)])
    assert handled == ["r2"]
    [letter] = [p.json() for p in events.on(Topic.DLQ)]
    assert (letter["error"], letter["offset"]) == ("unauthorized", 0)
    assert letter["message"] == "only Herald writes push.cancels.v1; 'test-acme' may not"
    assert base64.b64decode(letter["headers"]["x-herald-producer"]) == b"test-acme"


async def test_upstream_records_act_in_their_producers_tenant_only() -> None:
    events, seen = FakeEventBus(), []

    async def handle(items: Sequence[Received[Recipient | None]]) -> None:
        seen.extend((tenant_of(i), i.key, i.value is None) for i in items)

    consumer = consumer_of(Topic.RECIPIENTS, optional_model_decoder(Recipient), handle, events)
    globex = producer_signer("globex")
    await consumer(
        [
            record(profile("u-1", "acme"), 0, Topic.RECIPIENTS, globex, b"u-1"),  # not its own
            record(profile("u-2", "globex"), 1, Topic.RECIPIENTS, globex, b"u-2"),
            record(None, 2, Topic.RECIPIENTS, globex, b"u-1"),  # a tombstone: globex's u-1
            record(None, 3, Topic.RECIPIENTS, herald_signer(), b"u-1"),  # Herald has no tenant
        ]
    )
    assert seen == [("globex", "u-2", False), ("globex", "u-1", True)]
    letters = [p.json() for p in events.on(Topic.DLQ)]
    assert [(d["offset"], d["error"]) for d in letters] == [
        (0, "unauthorized"),
        (3, "unauthorized"),
    ]
    assert "'test-globex' speaks for tenant 'globex', not for 'acme'" in letters[0]["message"]


async def test_engagement_from_a_producer_is_stamped_with_its_tenant() -> None:
    events, seen = FakeEventBus(), []

    async def handle(items: Sequence[Received[Engagement]]) -> None:
        seen.extend(i.value.tenant for i in items)

    raw = b'{"event_id": "e-1", "delivery_id": "d-1", "kind": "read", "at": "2026-01-01T00:00:00Z"}'
    claims = raw[:-1] + b', "tenant": "acme"}'
    consumer = consumer_of(Topic.ENGAGEMENT, model_decoder(Engagement), handle, events)
    globex = producer_signer("globex")
    await consumer(
        [
            record(raw, 0, Topic.ENGAGEMENT, globex),
            record(claims, 1, Topic.ENGAGEMENT, globex),
            record(raw, 2, Topic.ENGAGEMENT, herald_signer()),
        ]
    )
    assert seen == ["globex", None]  # Herald's own report names no tenant
    [letter] = [p.json() for p in events.on(Topic.DLQ)]
    assert (letter["offset"], letter["error"]) == (1, "unauthorized")
