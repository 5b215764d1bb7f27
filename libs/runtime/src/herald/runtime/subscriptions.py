"""A service's Kafka consumers, declared in one place: each topic, its group, its decoder
and its handler (see `herald.runtime.consumer` for what a batch consumer does)."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaRouter
from pydantic import BaseModel

from herald.contracts import Topic
from herald.runtime.batches import Unpacked, Unpacker
from herald.runtime.consumer import BatchConsumer, Received, model_decoder, subscribe
from herald.runtime.dlq import DeadLetters, DeadLettersElsewhere
from herald.runtime.health import Health
from herald.runtime.provenance import RecordVerifier
from herald.runtime.settings import ServiceSettings

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
Handler = Callable[[Sequence[Received[T]]], Awaitable[None]]


def unpacked(handle: Callable[[list[M]], Awaitable[object]], chunk: int) -> Handler[Unpacked[M]]:
    """A batch handler for a service call that takes the items of an internal topic's
    records (herald.runtime.batches), at most `chunk` at a time: a fetch of batched
    records may hold many thousands, and the service's batches stay the size they were."""

    async def on_batch(items: Sequence[Received[Unpacked[M]]]) -> None:
        flat = [m for i in items for m in i.value.items]
        for start in range(0, len(flat), chunk):
            await handle(flat[start : start + chunk])

    return on_batch


def values(handle: Callable[[list[T]], Awaitable[object]]) -> Handler[T]:
    """A batch handler for a service call that takes only the decoded values."""

    async def on_batch(items: Sequence[Received[T]]) -> None:
        await handle([i.value for i in items])

    return on_batch


class Consumers:
    """A service's consumers on one router: each in its own group, with the service's
    dead letters, readiness, record verifier and Kafka settings."""

    def __init__(
        self,
        dlq: DeadLetters,
        health: Health,
        settings: ServiceSettings,
        verifier: RecordVerifier,
    ) -> None:
        self.router = KafkaRouter()
        self._dlq, self._health, self._settings = dlq, health, settings
        self._verifier = verifier

    def add(
        self,
        topic: Topic,
        group_id: str,
        decode: Callable[[ConsumerRecord], T],
        handle: Handler[T],
        *,
        max_records: int | None = None,
        consumers: int = 1,
        dead_letters: bool = True,
        background: bool = False,
        max_items: int | None = None,
        critical: bool = False,
    ) -> None:
        """Consume `topic` as `group_id`, in batches of decoded records. `dead_letters`
        False: records it cannot take are only logged, because another group of this
        service reads the same topic and dead-letters them (one letter per record).
        `background`: nobody waits on this group, so it polls with the long fetch waits
        even on a push's path (herald.runtime.fetching). `max_items`: a fetch's records
        are decoded and handled in groups of about this many items (`BatchConsumer`).
        `critical`: its batches are critical work (herald.runtime.lane)."""
        dlq = self._dlq if dead_letters else DeadLettersElsewhere(self._dlq.service)
        consumer = BatchConsumer(
            topic,
            decode,
            handle,
            dlq,
            self._health,
            self._verifier,
            max_items=max_items,
            critical=critical,
        )
        subscribe(
            self.router,
            consumer,
            group_id=group_id,
            settings=self._settings,
            max_records=max_records,
            consumers=consumers,
            background=background,
        )

    def add_values(
        self,
        topic: Topic,
        group_id: str,
        model: type[M],
        handle: Callable[[list[M]], Awaitable[object]],
        *,
        max_records: int | None = None,
        consumers: int = 1,
        dead_letters: bool = True,
        critical: bool = False,
    ) -> None:
        """Consume `topic` as `group_id`, handing `handle` each batch's decoded models."""
        decode, on_batch = model_decoder(model), values(handle)
        self.add(
            topic,
            group_id,
            decode,
            on_batch,
            max_records=max_records,
            consumers=consumers,
            dead_letters=dead_letters,
            critical=critical,
        )

    def add_unpacked(
        self,
        topic: Topic,
        group_id: str,
        unpacker: Unpacker[M, Any] | Callable[[ConsumerRecord], Unpacked[M]],
        handle: Callable[[list[M]], Awaitable[object]],
        *,
        max_records: int | None = None,
        consumers: int = 1,
        background: bool = False,
        critical: bool = False,
    ) -> None:
        """Consume an internal topic whose records carry one item or a batch of them
        (herald.runtime.batches), handing `handle` the items, at most
        `kafka_max_items` at a time. A fetch's records are decoded about
        `kafka_max_items` items at a time too, each group handled before the next is
        decoded: a fetch of 500 records of 500 sends is never 250,000 sends in memory."""
        limit = self._settings.kafka_max_items
        self.add(
            topic,
            group_id,
            unpacker,
            unpacked(handle, limit),
            max_records=max_records,
            consumers=consumers,
            background=background,
            max_items=limit,
            critical=critical,
        )
