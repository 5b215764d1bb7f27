"""Packing sends and outcomes into batch records: one request's recipients per shard,
within the limits, keyed so a recipient's sends keep their order; what the consumers
unpack is what was packed."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from aiokafka.structs import ConsumerRecord

from herald.contracts import Topic
from herald.contracts.internal import Outcome, OutcomeKind, Send
from herald.runtime.batches import OUTCOMES, SENDS
from herald.runtime.packing import Limits, pack_outcomes, pack_sends, shard_of
from tests.support.fakes import FakeEventBus
from tests.unit.dispatcher.builders import send


def record(value: bytes) -> ConsumerRecord:
    return ConsumerRecord("t", 0, 0, 0, 0, b"k", value, None, 1, len(value), [])


def by_id(items: Sequence[Send] | Sequence[Outcome]) -> list[Send | Outcome]:
    return sorted(items, key=lambda i: i.delivery_id)


def sends(rid: str, n: int) -> list[Send]:
    return [send(f"d-{rid}-{i}", request_id=rid, recipient_id=f"u-{i}") for i in range(n)]


def test_a_release_packs_per_request_and_shard_and_unpacks_to_the_same_sends() -> None:
    released = sends("r-1", 40) + sends("r-2", 10)
    packed = pack_sends(released, Limits(shards=4))
    keys = {key for key, _ in packed}
    assert keys <= {f"r-{r}:{s}" for r in (1, 2) for s in range(4)}
    assert len(packed) == len(keys)  # one record per request and shard
    back = [s for _key, v in packed for s in SENDS(record(v.raw)).items]
    assert sorted(back, key=lambda s: s.delivery_id) == sorted(
        released, key=lambda s: s.delivery_id
    )
    for key, value in packed:
        body = json.loads(value.raw)
        assert body["content"]["title"] == "Sale"  # once per record
        shard = int(key.rsplit(":", 1)[1])
        assert {shard_of(s["recipient_id"], 4) for s in body["sends"]} == {shard}


def test_a_recipient_keeps_its_key_from_one_release_to_the_next() -> None:
    [(key, _)] = pack_sends([send("d-a", recipient_id="u-7")], Limits())
    second = pack_sends([*sends("r-1", 30), send("d-b", recipient_id="u-7")], Limits())
    [carrier] = [k for k, v in second if b'"d-b"' in v.raw]
    assert carrier == key


def test_records_stay_within_the_recipient_and_byte_limits() -> None:
    released = sends("r-1", 100)
    by_items = pack_sends(released, Limits(max_items=30, shards=1))
    assert [len(json.loads(v.raw)["sends"]) for _, v in by_items] == [30, 30, 30, 10]
    by_bytes = pack_sends(released, Limits(max_bytes=8_000, shards=1))
    assert all(len(v.raw) <= 8_000 for _, v in by_bytes)
    assert sum(len(json.loads(v.raw)["sends"]) for _, v in by_bytes) == 100


def test_sends_of_one_request_with_different_content_are_not_merged() -> None:
    a = send("d-1", labels={"v": "a"})
    b = send("d-2", labels={"v": "b"})
    packed = pack_sends([a, b], Limits(shards=1))
    assert len(packed) == 2


def test_outcomes_pack_per_request_and_unpack_to_the_same_outcomes() -> None:
    at = datetime(2026, 11, 27, tzinfo=UTC)
    outcomes = [
        Outcome(
            delivery_id=f"d-{i}",
            request_id=f"r-{i % 2}",
            tenant="acme",
            department="mkt",
            recipient_id=None if i == 3 else f"u-{i}",
            outcome=OutcomeKind.CANCELLED,
            at=at,
            trace_id="t",
        )
        for i in range(10)
    ]
    packed = pack_outcomes(outcomes, Limits(shards=2))
    assert {key.split(":")[0] for key, _ in packed} == {"r-0", "r-1"}
    back = [o for _key, v in packed for o in OUTCOMES(record(v.raw)).items]
    assert sorted(back, key=lambda o: o.delivery_id) == sorted(
        outcomes, key=lambda o: o.delivery_id
    )


async def test_the_bus_publishes_batches_with_the_trace_in_the_headers() -> None:
    bus = FakeEventBus()
    await bus.publish_batched(Topic.SENDS, [send("d-1", trace_id="tr-1")])
    [published] = bus.on(Topic.SENDS)
    assert published.json()["batch_id"]
    assert [s["delivery_id"] for s in published.items()] == ["d-1"]
