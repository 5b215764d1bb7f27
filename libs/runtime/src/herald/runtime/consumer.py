"""Batch consumers: verify and decode each record, dead-letter what cannot be processed,
retry outages.

Every record is verified before it is decoded (herald.runtime.provenance): its signature
must verify and its producer may write the topic (only Herald writes an internal topic or
push.status.v1; upstream producers write push.requests.v1, push.recipients.v1 and
push.engagement.v1, each only the topics its credential lists). A decoded value that
names a tenant must name its producer's (Herald speaks for every tenant); a value with an
empty `tenant` field is stamped with the producer's tenant. A record refused on either
count goes to push.dlq.v1 as `unauthorized`, saying why, and the consumer moves on.

A batch is handed to the service as a whole (one database round trip, one publish);
offsets are committed by FastStream only after the handler returns, so a crash
redelivers the batch and the service's idempotent handling absorbs the repeat.
"""

import contextlib
import dataclasses
import json
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import structlog
from aiokafka.structs import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaRouter
from pydantic import BaseModel, ValidationError

from herald.contracts import ReasonCode, Topic, describe_validation_error
from herald.runtime.batch_loop import patient
from herald.runtime.dlq import DeadLetters
from herald.runtime.fetching import waits_for
from herald.runtime.health import Health
from herald.runtime.lane import critical_work, pause
from herald.runtime.provenance import (
    Producer,
    ProvenanceError,
    RecordVerifier,
    upstream_may_write,
)
from herald.runtime.settings import ServiceSettings
from herald.runtime.tracing import TRACE_HEADER
from herald.runtime.transient import retry_transient

log = structlog.get_logger(__name__)
T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


class Rejected(Exception):  # noqa: N818 - it names the outcome, not a failure of ours
    """Raised by a decoder or handler: this record can't be processed, for this reason."""

    def __init__(self, code: ReasonCode | str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class RejectedPart:
    """One item of a record carrying several (herald.runtime.batches) that cannot be
    processed: dead-lettered on its own, as a record of `value` under `key`, while the
    record's other items are processed."""

    key: str | None
    value: bytes
    code: ReasonCode | str
    message: str


def part_record(record: ConsumerRecord, part: RejectedPart) -> ConsumerRecord:
    """The record a refused part is dead-lettered as (the original's place and headers)."""
    key = part.key.encode() if part.key is not None else None
    return dataclasses.replace(
        record,
        key=key,
        value=part.value,
        serialized_key_size=len(key) if key is not None else -1,
        serialized_value_size=len(part.value),
    )


@dataclass(frozen=True, slots=True)
class Received(Generic[T]):
    record: ConsumerRecord
    value: T
    producer: Producer
    """Who produced the record, as its verified signature says."""

    @property
    def key(self) -> str | None:
        return self.record.key.decode("utf-8", "replace") if self.record.key else None

    @property
    def trace_id(self) -> str:
        for name, raw in self.record.headers or ():
            if name == TRACE_HEADER:
                return bytes(raw).decode("utf-8", "replace")
        return ""


def admit(value: T, producer: Producer) -> T:
    """The value if its producer may speak for the tenant it names; an empty `tenant`
    field is given the producer's tenant (the tenant an upstream event claims). A
    tombstone (None) acts in its producer's tenant, so its producer must have one."""
    if value is None and producer.tenant is None:
        raise Rejected(
            ReasonCode.UNAUTHORIZED,
            f"a tombstone acts in its producer's tenant; producer '{producer.id}' has none",
        )
    claimed = getattr(value, "tenant", None)
    if isinstance(claimed, str) and not producer.may_speak_for(claimed):
        raise Rejected(
            ReasonCode.UNAUTHORIZED,
            f"producer '{producer.id}' speaks for tenant '{producer.tenant}', "
            f"not for '{claimed[:128]}'",
        )
    if (
        claimed is None
        and producer.tenant is not None
        and isinstance(value, BaseModel)
        and "tenant" in type(value).model_fields
    ):
        return value.model_copy(update={"tenant": producer.tenant})
    return value


def tenant_of(item: Received[Any]) -> str:
    """The tenant a record acts in: its value's (admitted), else its producer's. A
    tombstone so erases in its producer's tenant only (`admit` refused one without)."""
    named = getattr(item.value, "tenant", None)
    if isinstance(named, str):
        return named
    if item.producer.tenant is None:
        raise Rejected(
            ReasonCode.UNAUTHORIZED, f"producer '{item.producer.id}' acts for no one tenant"
        )
    return item.producer.tenant


def model_decoder(model: type[M]) -> Callable[[ConsumerRecord], M]:
    def decode(record: ConsumerRecord) -> M:
        if record.value is None:
            raise Rejected(ReasonCode.INVALID_REQUEST, "empty message (null value)")
        return model.model_validate_json(record.value)

    return decode


def optional_model_decoder(model: type[M]) -> Callable[[ConsumerRecord], M | None]:
    """For compacted topics: a null value is a tombstone and decodes to None."""
    strict = model_decoder(model)

    def decode(record: ConsumerRecord) -> M | None:
        return None if record.value is None else strict(record)

    return decode


def raw_value(record: ConsumerRecord) -> bytes:
    """For a consumer that parses the bytes itself (a null value is empty)."""
    return bytes(record.value or b"")


def explain(exc: Exception) -> tuple[ReasonCode | str, str]:
    if isinstance(exc, Rejected):
        return exc.code, exc.message
    if isinstance(exc, ValidationError):
        if any(e["type"] == "json_invalid" for e in exc.errors()):
            return ReasonCode.INVALID_REQUEST, "not valid JSON: " + exc.errors()[0]["msg"]
        return ReasonCode.INVALID_REQUEST, "; ".join(map(str, describe_validation_error(exc)))
    if isinstance(exc, json.JSONDecodeError | UnicodeDecodeError):
        return ReasonCode.INVALID_REQUEST, f"not valid JSON: {exc}"
    return "processing_failed", f"{type(exc).__name__}: {exc}"


class BatchConsumer(Generic[T]):
    """Consumes one topic. Who may write it follows from the topic (`upstream_may_write`):
    only Herald, or Herald and the upstream producers whose credential lists it."""

    def __init__(
        self,
        topic: Topic,
        decode: Callable[[ConsumerRecord], T],
        handle: Callable[[Sequence[Received[T]]], Awaitable[None]],
        dlq: DeadLetters,
        health: Health,
        verifier: RecordVerifier,
        *,
        name: str | None = None,
        max_backoff_s: float = 5.0,
        max_items: int | None = None,
        critical: bool = False,
    ) -> None:
        self.topic = topic
        self.critical = critical
        """Its batches are critical work (herald.runtime.lane): decoded and handled
        without pausing, with the database connections kept for critical work."""
        self.name = name or str(topic).split(".")[1]
        self._decode = decode
        self._handle = handle
        self._dlq = dlq
        self._health = health
        self._verifier = verifier
        self._upstream = upstream_may_write(topic)
        self._max_backoff_s = max_backoff_s
        self._max_items = max_items

    def _receive(self, record: ConsumerRecord) -> Received[T]:
        try:
            producer = self._verifier.verify(
                self.topic,
                record.key,
                record.value,
                record.headers,
                producers_allowed=self._upstream,
            )
        except ProvenanceError as exc:
            raise Rejected(ReasonCode.UNAUTHORIZED, str(exc)) from exc
        return Received(record, admit(self._decode(record), producer), producer)

    async def __call__(self, records: Sequence[ConsumerRecord]) -> None:
        """Records are decoded a group at a time, each group handled before the next is
        decoded: with `max_items`, a group holds about that many items (a record of an
        internal topic carries hundreds), so a fetch of many records is never held
        decoded all at once (issue 17); a group may exceed it by one record's items.
        Bulk consumers pause between records (herald.runtime.lane)."""
        with critical_work() if self.critical and records else contextlib.nullcontext():
            await self._consume(records)

    async def _consume(self, records: Sequence[ConsumerRecord]) -> None:
        group: list[Received[T]] = []
        size = 0
        for record in records:
            item = await self._received(record)
            await pause()
            if item is None:
                continue
            group.append(item)
            size += _items_in(item.value)
            if self._max_items is not None and size >= self._max_items:
                await self._process(group)
                group, size = [], 0
        if group:
            await self._process(group)

    async def _received(self, record: ConsumerRecord) -> Received[T] | None:
        """The record verified and decoded; None when it went to the dead letters."""
        try:
            item = self._receive(record)
        except Exception as exc:
            await self._dead_letter(record, exc)
            return None
        for part in getattr(item.value, "rejected", ()):
            await self._dlq.send(part_record(record, part), part.code, part.message)
        return item

    async def _process(self, good: list[Received[T]]) -> None:
        try:
            await self._with_retry(good)
        except Exception:
            log.exception("batch_failed_retrying_one_by_one", consumer=self.name, size=len(good))
            for item in good:
                try:
                    await self._with_retry([item])
                except Exception as exc:
                    await self._dead_letter(item.record, exc)

    async def _with_retry(self, items: Sequence[Received[T]]) -> None:
        def waiting(exc: BaseException) -> None:
            self._health.degraded(self.name, f"{type(exc).__name__}: {exc}")

        await retry_transient(
            lambda: self._handle(items),
            "consumer_waiting_for_dependency",
            on_wait=waiting,
            max_delay_s=self._max_backoff_s,
            consumer=self.name,
        )
        self._health.ok(self.name)

    async def _dead_letter(self, record: ConsumerRecord, exc: Exception) -> None:
        code, message = explain(exc)
        await self._dlq.send(record, code, message)


def _items_in(value: object) -> int:
    """How many items a decoded value carries: a batch record's (herald.runtime.batches
    `Unpacked`), else one."""
    items = getattr(value, "items", None)
    return max(1, len(items)) if isinstance(items, tuple) else 1


def subscribe(
    router: KafkaRouter,
    consumer: BatchConsumer[T],
    *,
    group_id: str,
    settings: ServiceSettings,
    max_records: int | None = None,
    consumers: int = 1,
    background: bool = False,
) -> None:
    """Attach a batch consumer to the router: one consumer group, commits after each batch.

    `background`: the long fetch waits even on a push's path (herald.runtime.fetching).

    `consumers` > 1 joins that many Kafka consumers to the group in this process: the
    topic's partitions are shared among them and their batches run concurrently (one batch
    at a time per consumer, so order within a partition holds). More consumers than
    partitions only leaves some idle.
    """

    async def undecoded(message: Any) -> Any:
        """FastStream would json-decode every record before the handler (twice the work,
        and a deeply nested payload raises there, outside our dead-lettering): the
        consumer decodes the raw records itself, handed over as the message's body."""
        return message.raw_message

    async def on_batch(raw: Any) -> None:
        """Takes the records as the body: a `KafkaMessage` parameter is resolved from
        FastStream's context by a plain function, which FastDepends runs in a worker
        thread, i.e. a thread hand-off and back for every batch of every consumer."""
        await consumer(raw if isinstance(raw, tuple | list) else (raw,))

    topic = consumer.topic
    waits = waits_for(topic, settings, background=background)
    for n in range(consumers):
        subscriber = router.subscriber(
            settings.kafka_topic_prefix + topic,
            # prefixed too: one group spanning several runs' topics rebalances them all
            group_id=settings.kafka_topic_prefix + group_id,
            batch=True,
            max_records=max_records or settings.kafka_max_records,
            batch_timeout_ms=waits.batch_timeout_ms,
            fetch_max_wait_ms=waits.fetch_max_wait_ms,
            auto_offset_reset="earliest",
            session_timeout_ms=settings.kafka_session_timeout_ms,
            heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
            max_partition_fetch_bytes=waits.max_partition_fetch_bytes,
            ack_policy=AckPolicy.ACK,
            decoder=undecoded,
            title=f"{group_id}:{topic}" + (f"#{n}" if n else ""),
            include_in_schema=n == 0,
        )
        subscriber(on_batch)
        patient(subscriber)
