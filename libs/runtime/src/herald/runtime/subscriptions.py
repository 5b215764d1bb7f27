"""A service's Kafka consumers, declared in one place: each topic, its group, its decoder
and its handler (see `herald.runtime.consumer` for what a batch consumer does)."""

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar

from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaRouter

from herald.contracts import Topic
from herald.runtime.consumer import BatchConsumer, Received, subscribe
from herald.runtime.dlq import DeadLetters
from herald.runtime.health import Health
from herald.runtime.settings import ServiceSettings

T = TypeVar("T")


def values(
    handle: Callable[[list[T]], Awaitable[object]],
) -> Callable[[Sequence[Received[T]]], Awaitable[None]]:
    """A batch handler for a service call that takes only the decoded values."""

    async def on_batch(items: Sequence[Received[T]]) -> None:
        await handle([i.value for i in items])

    return on_batch


class Consumers:
    """A service's consumers on one router: each in its own group, with the service's
    dead letters, readiness and Kafka settings."""

    def __init__(self, dlq: DeadLetters, health: Health, settings: ServiceSettings) -> None:
        self.router = KafkaRouter()
        self._dlq, self._health, self._settings = dlq, health, settings

    def add(
        self,
        topic: Topic,
        group_id: str,
        name: str,
        decode: Callable[[ConsumerRecord], T],
        handle: Callable[[Sequence[Received[T]]], Awaitable[None]],
        *,
        max_records: int | None = None,
        consumers: int = 1,
    ) -> None:
        """Consume `topic` as `group_id`; `name` names the consumer in logs and readiness."""
        subscribe(
            self.router,
            topic,
            BatchConsumer(name, decode, handle, self._dlq, self._health),
            group_id=group_id,
            settings=self._settings,
            max_records=max_records,
            consumers=consumers,
        )
