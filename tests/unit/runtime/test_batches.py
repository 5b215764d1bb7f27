"""The internal topics' decoders: a single Send/Outcome or a batch of them on the same
topic, expanded to the same per-recipient models; bad items dead-lettered on their own."""

import json
from collections.abc import Sequence
from typing import Any

from aiokafka.structs import ConsumerRecord

from herald.contracts import Topic
from herald.contracts.internal import Outcome, Send, SendBatch
from herald.runtime.batches import OUTCOMES, SENDS
from herald.runtime.consumer import BatchConsumer
from herald.runtime.health import Health
from herald.runtime.subscriptions import unpacked
from tests.support.fakes import FakeEventBus, dead_letters
from tests.support.signing import herald_signer, verifier
from tests.unit.dispatcher.builders import send

SHARED = ("request_id", "tenant", "department", "category", "priority", "content", "labels")


def batch_of(*sends: Send, batch_id: str = "b-1") -> dict[str, Any]:
    first = sends[0].model_dump(mode="json")
    items = [{k: v for k, v in s.model_dump(mode="json").items() if k in BATCHED} for s in sends]
    return {"batch_id": batch_id, **{k: first[k] for k in SHARED}, "sends": items}


BATCHED = ("delivery_id", "recipient_id", "channels", "contacts", "locale", "attributes")
BATCHED += ("due_at", "deferred")


def record(value: bytes, topic: Topic = Topic.SENDS, offset: int = 0) -> ConsumerRecord:
    key = b"r-1:0"
    headers = herald_signer().headers(topic, key, value)
    return ConsumerRecord(str(topic), 0, offset, 0, 0, key, value, None, 0, len(value), headers)


def consumer(topic: Topic, events: FakeEventBus, handled: list[Any]) -> BatchConsumer[Any]:
    async def handle(items: Sequence[Any]) -> None:
        handled.append(list(items))

    decode = SENDS if topic == Topic.SENDS else OUTCOMES
    return BatchConsumer(
        topic, decode, unpacked(handle, 1000), dead_letters(events), Health(), verifier()
    )


def test_a_batch_expands_to_the_sends_it_carries_with_the_shared_fields() -> None:
    sends = [send(f"d-{i}", recipient_id=f"u-{i}", labels={"c": "x"}) for i in range(3)]
    raw = SendBatch.model_validate(batch_of(*sends)).model_dump_json().encode()
    out = SENDS(record(raw))
    assert out.tenant == "acme"
    assert list(out.items) == sends
    assert out.items[2].content is out.items[0].content  # shared, not copied


def test_a_single_send_and_a_hand_written_batch_in_any_field_order_decode() -> None:
    one = send("d-1")
    assert SENDS(record(one.model_dump_json().encode())).items == (one,)
    body = batch_of(send("d-2"))
    shuffled = {k: body[k] for k in reversed(list(body))}
    assert [s.delivery_id for s in SENDS(record(json.dumps(shuffled).encode())).items] == ["d-2"]


async def test_old_sends_and_batches_mixed_reach_the_service_as_sends() -> None:
    events, handled = FakeEventBus(), []
    c = consumer(Topic.SENDS, events, handled)
    batch = json.dumps(batch_of(send("d-2"), send("d-3"))).encode()
    await c([record(send("d-1").model_dump_json().encode()), record(batch, offset=1)])
    assert [s.delivery_id for s in handled[0]] == ["d-1", "d-2", "d-3"]
    assert all(isinstance(s, Send) for s in handled[0])
    assert events.on(Topic.DLQ) == []


async def test_a_bad_item_is_dead_lettered_alone_and_the_others_are_sent() -> None:
    events, handled = FakeEventBus(), []
    body = batch_of(send("d-1"), send("d-2"), send("d-3"))
    body["sends"][1]["channels"] = ["pigeon"]
    await consumer(Topic.SENDS, events, handled)([record(json.dumps(body).encode())])
    assert [s.delivery_id for s in handled[0]] == ["d-1", "d-3"]
    [letter] = events.on(Topic.DLQ)
    assert letter.key == "d-2"
    assert letter.json()["error"] == "invalid_batch_item"
    assert letter.json()["key"] == "d-2"


async def test_a_batch_whose_shared_part_is_bad_is_dead_lettered_whole() -> None:
    events, handled = FakeEventBus(), []
    body = batch_of(send("d-1"), send("d-2"))
    body["tenant"] = "not a valid id!"
    await consumer(Topic.SENDS, events, handled)([record(json.dumps(body).encode())])
    assert handled == []
    [letter] = events.on(Topic.DLQ)
    assert letter.json()["error"] == "invalid_batch"
    assert "tenant" in letter.json()["message"]


async def test_outcomes_single_or_batched_reach_the_service_as_outcomes() -> None:
    events, handled = FakeEventBus(), []
    at = "2026-11-27T12:00:00Z"
    single = {
        "delivery_id": "d-1", "request_id": "r-1", "tenant": "acme", "department": "mkt",
        "recipient_id": "u-1", "outcome": "delivered", "at": at,
    }  # fmt: skip
    batch = {
        "batch_id": "b-1", "request_id": "r-1", "tenant": "acme", "department": "mkt",
        "trace_id": "t-1",
        "outcomes": [
            {"delivery_id": "d-2", "recipient_id": "u-2", "outcome": "sent", "at": at},
            {"delivery_id": "d-3", "recipient_id": None, "outcome": "failed", "at": at},
        ],
    }  # fmt: skip
    records = [
        record(json.dumps(v).encode(), Topic.OUTCOMES, i) for i, v in enumerate([single, batch])
    ]
    await consumer(Topic.OUTCOMES, events, handled)(records)
    assert all(isinstance(o, Outcome) for o in handled[0])
    assert [(o.delivery_id, o.outcome, o.trace_id) for o in handled[0]] == [
        ("d-1", "delivered", ""),
        ("d-2", "sent", "t-1"),
        ("d-3", "failed", "t-1"),
    ]
    assert events.on(Topic.DLQ) == []


async def test_a_large_fetch_reaches_the_service_in_chunks() -> None:
    seen: list[int] = []

    async def handle(items: Sequence[Send]) -> None:
        seen.append(len(items))

    body = json.dumps(batch_of(*(send(f"d-{i}") for i in range(5)))).encode()
    c = BatchConsumer(
        Topic.SENDS, SENDS, unpacked(handle, 2), dead_letters(FakeEventBus()), Health(), verifier()
    )
    await c([record(body)])
    assert seen == [2, 2, 1]


async def test_a_fetch_of_many_batches_is_never_held_decoded_all_at_once() -> None:
    """What a consumer holds decoded is its `max_items`, plus one record's items at most,
    however many records a fetch brings (issue 17: 500 records of 500 sends each)."""
    held, handled = {"now": 0, "most": 0}, []

    def decode(raw: ConsumerRecord) -> Any:
        out = SENDS(raw)
        held["now"] += len(out.items)
        held["most"] = max(held["most"], held["now"])
        return out

    async def handle(items: Sequence[Send]) -> None:
        handled.extend(s.delivery_id for s in items)
        held["now"] -= len(items)

    one = send("d-0")
    records = [
        record(json.dumps(batch_of(*(one.model_copy(update={"delivery_id": f"d-{r}-{i}"})
                                     for i in range(30)), batch_id=f"b-{r}")).encode(), offset=r)
        for r in range(20)
    ]  # fmt: skip
    events = FakeEventBus()
    c = BatchConsumer(
        Topic.SENDS, decode, unpacked(handle, 100), dead_letters(events), Health(), verifier(),
        max_items=100,
    )  # fmt: skip
    await c(records)
    assert handled == [f"d-{r}-{i}" for r in range(20) for i in range(30)]
    assert held["most"] <= 100 + 30
    assert events.on(Topic.DLQ) == []
