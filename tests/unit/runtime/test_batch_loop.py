"""A batch consumer's loop hands over records as soon as aiokafka has them and never
sleeps after an empty poll that waited its time; one that came back early does not spin."""

from typing import Any

import pytest
from aiokafka.structs import TopicPartition
from faststream.kafka import KafkaRouter

from herald.runtime import batch_loop
from herald.runtime.batch_loop import patient


class Clock:
    """Fake time: `getmany` spends what the script says; `sleep` is recorded."""

    def __init__(self) -> None:
        self.now, self.slept = 0.0, []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))


class Consumer:
    """Answers `getmany` from a script: (records, seconds it took)."""

    def __init__(self, clock: Clock, *answers: tuple[dict[Any, list[str]], float]) -> None:
        self.clock, self.answers, self.timeouts = clock, list(answers), []

    async def getmany(self, timeout_ms: int, max_records: int | None) -> dict[Any, list[str]]:
        self.timeouts.append(timeout_ms)
        records, took = self.answers.pop(0)
        self.clock.now += took
        return records


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(batch_loop, "monotonic", fake.monotonic)
    monkeypatch.setattr(batch_loop, "sleep", fake.sleep)
    return fake


def subscriber(batch_timeout_ms: int) -> Any:
    sub = KafkaRouter().subscriber(
        "t", group_id="g", batch=True, batch_timeout_ms=batch_timeout_ms, max_records=5
    )
    patient(sub)
    return sub


async def test_records_of_every_partition_come_back_as_one_batch(clock: Clock) -> None:
    got = {TopicPartition("t", 0): ["a", "b"], TopicPartition("t", 1): ["c"]}
    consumer = Consumer(clock, (got, 0.001))
    assert await subscriber(500).get_msg(consumer) == ("a", "b", "c")
    assert consumer.timeouts == [500]
    assert clock.slept == []


async def test_an_empty_poll_that_waited_its_time_is_not_followed_by_a_sleep(clock: Clock) -> None:
    assert await subscriber(500).get_msg(Consumer(clock, ({}, 0.5))) == ()
    assert clock.slept == []


async def test_an_empty_poll_that_came_back_at_once_waits_instead_of_spinning(
    clock: Clock,
) -> None:
    assert await subscriber(500).get_msg(Consumer(clock, ({}, 0.0))) == ()
    assert clock.slept == [0.25]


def test_only_a_faststream_batch_subscriber_is_changed() -> None:
    with pytest.raises(TypeError):
        patient(KafkaRouter().subscriber("t", group_id="g"))
