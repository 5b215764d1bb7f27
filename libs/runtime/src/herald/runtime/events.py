"""Publishing events: a small port, and its Kafka adapter on a batching aiokafka producer.

Every record the adapter publishes is signed (herald.runtime.provenance): consumers
accept a record on a Herald topic only with a signature that verifies.
"""

import asyncio
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from typing import Protocol

from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry
from pydantic import BaseModel

from herald.contracts import Topic
from herald.contracts.internal import Outcome, Send
from herald.runtime.kafka_security import PLAINTEXT, KafkaSecurity
from herald.runtime.metrics import Metrics
from herald.runtime.packing import BatchPublishing, Encoded, Limits
from herald.runtime.provenance import RecordSigner
from herald.runtime.tracing import TRACE_HEADER

Value = BaseModel | Encoded | bytes | None
"""A model (serialised to JSON), an encoded record, raw bytes (sent as they are) or None
(a tombstone)."""

Item = tuple[str, Value]


def encode(value: Value) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    if isinstance(value, Encoded):
        return value.raw
    return value.model_dump_json().encode()


def trace_id_of(value: Value, given: Mapping[str, str] | None) -> str | None:
    """The trace id an event carries, else the one in the headers given with it."""
    trace = getattr(value, "trace_id", None)
    if isinstance(trace, str) and trace:
        return trace
    return given.get(TRACE_HEADER) if given else None


def message_headers(
    value: Value, given: dict[str, str] | None, extra: Mapping[str, str] | None = None
) -> list[tuple[str, bytes]] | None:
    """The given headers; else the trace id an event carries, so that it rides in the
    headers of every hop (sends and outcomes included) without each caller saying so.
    `extra` (trace context, when tracing is on) is added to either."""
    if not given:
        trace = getattr(value, "trace_id", None)
        given = {TRACE_HEADER: trace} if isinstance(trace, str) and trace else None
    if extra:
        given = {**given, **extra} if given else dict(extra)
    return [(k, v.encode()) for k, v in given.items()] if given else None


class PublishTracer(Protocol):
    """Traces publishing (OpenTelemetry, when it is on: see herald.runtime.telemetry)."""

    def spans(
        self, topic: str, trace_ids: Sequence[str | None]
    ) -> AbstractContextManager[Sequence[Mapping[str, str]]]:
        """Spans open while the items with these trace ids are sent and acknowledged;
        gives the headers (trace context) to add to each item, in order."""
        ...


class EventBus(Protocol):
    async def publish(
        self, topic: Topic, key: str, value: Value, headers: dict[str, str] | None = None
    ) -> None: ...

    async def publish_many(
        self, topic: Topic, items: Sequence[Item], headers: dict[str, str] | None = None
    ) -> None:
        """Publish all and return once every one is acknowledged by the broker."""
        ...

    # deliberate declaration: the port's signature (packing.BatchPublishing implements it)
    async def publish_batched(
        self,
        topic: Topic,
        items: Sequence[Send] | Sequence[Outcome],
        headers: dict[str, str] | None = None,
    ) -> None:
        """Sends on push.sends.v1 or outcomes on push.outcomes.v1, packed into batch
        records (herald.runtime.packing) within the bus's limits; acknowledged on return."""
        ...


class KafkaEventBus(BatchPublishing):
    """At-least-once publishing: acks=all, and callers wait for the acknowledgement."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str,
        registry: CollectorRegistry,
        signer: RecordSigner,
        linger_ms: int = 5,
        max_request_size: int = 4 * 1024 * 1024,
        topic_prefix: str = "",
        tracer: PublishTracer | None = None,
        security: KafkaSecurity = PLAINTEXT,
        limits: Limits | None = None,
    ) -> None:
        self._prefix = topic_prefix
        self.limits = limits or Limits()
        self._tracer = tracer
        self._signer = signer
        self._config = {
            "bootstrap_servers": bootstrap_servers,
            "client_id": client_id,
            "acks": "all",
            "linger_ms": linger_ms,
            "max_request_size": max_request_size,
            "max_batch_size": 1024 * 1024,
            **security.client_options(),
        }
        self._producer: AIOKafkaProducer | None = None
        self._published = Metrics(registry, "herald").counter(
            "events_published", "Events published, by topic.", "topic"
        )
        self.started = False

    async def start(self) -> None:
        # aiokafka binds the running loop on construction: build it here, not in __init__
        self._producer = AIOKafkaProducer(**self._config)
        await self._producer.start()
        self.started = True

    async def stop(self) -> None:
        self.started = False
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def publish(
        self, topic: Topic, key: str, value: Value, headers: dict[str, str] | None = None
    ) -> None:
        await self.publish_many(topic, [(key, value)], headers)

    async def publish_many(
        self,
        topic: Topic,
        items: Sequence[Item],
        headers: dict[str, str] | None = None,
        *,
        signer: RecordSigner | None = None,
    ) -> None:
        """`signer` signs these records instead of the bus's own (Herald writing for one
        tenant: herald.runtime.provenance)."""
        if not items:
            return
        if self._producer is None:
            raise RuntimeError("the event bus is not started")
        if self._tracer is None:
            await self._send(self._producer, topic, items, headers, None, signer)
        else:
            trace_ids = [trace_id_of(value, headers) for _key, value in items]
            with self._tracer.spans(self._prefix + topic, trace_ids) as extra:
                await self._send(self._producer, topic, items, headers, extra, signer)
        self._published.labels(str(topic)).inc(len(items))

    async def _send(
        self,
        producer: AIOKafkaProducer,
        topic: Topic,
        items: Sequence[Item],
        headers: dict[str, str] | None,
        extra: Sequence[Mapping[str, str]] | None,
        signer: RecordSigner | None = None,
    ) -> None:
        sign = (signer or self._signer).headers
        futures = []
        for i, (key, value) in enumerate(items):
            raw_key, raw = key.encode(), encode(value)
            signed = sign(topic, raw_key, raw)  # the topic without a prefix
            given = message_headers(value, headers, extra[i] if extra else None)
            futures.append(
                await producer.send(
                    self._prefix + topic, raw, key=raw_key, headers=(given or []) + signed
                )
            )
        await asyncio.gather(*futures)
