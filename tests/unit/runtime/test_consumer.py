"""A batch consumer: what cannot be decoded is dead-lettered, an outage is waited out
(readiness says so meanwhile), and a batch that fails otherwise is retried one by one."""

from collections.abc import Sequence

from aiokafka.structs import ConsumerRecord

from herald.contracts import Topic
from herald.contracts.internal import CancelRequested
from herald.runtime.consumer import BatchConsumer, Received, model_decoder
from herald.runtime.health import Health
from herald.runtime.subscriptions import values
from tests.support.fakes import FakeEventBus, dead_letters


def record(value: bytes | None, offset: int = 0) -> ConsumerRecord:
    return ConsumerRecord(
        "push.cancels.v1", 0, offset, 0, 0, b"k", value, None, 0, len(value or b""), []
    )


def cancel(request_id: str) -> bytes:
    event = {"tenant": "acme", "request_id": request_id, "by": "u", "at": "2026-01-01T00:00:00Z"}
    return CancelRequested.model_validate(event).model_dump_json().encode()


async def test_bad_records_are_dead_lettered_and_the_rest_handled_as_one_batch() -> None:
    events, handled = FakeEventBus(), []

    async def handle(items: Sequence[Received[CancelRequested]]) -> None:
        handled.append([i.value.request_id for i in items])

    consumer = BatchConsumer(
        "cancels", model_decoder(CancelRequested), handle, dead_letters(events), Health()
    )
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
        "cancels",
        model_decoder(CancelRequested),
        values(handle),
        dead_letters(FakeEventBus()),
        health,
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

    consumer = BatchConsumer(
        "cancels",
        model_decoder(CancelRequested),
        values(handle),
        dead_letters(events),
        Health(),
    )
    await consumer([record(cancel(r), n) for n, r in enumerate(("r1", "poison", "r2"))])
    assert done == ["r1", "r2"]
    [letter] = events.on(Topic.DLQ)
    assert letter.json()["error"] == "processing_failed"
    assert letter.json()["offset"] == 1
