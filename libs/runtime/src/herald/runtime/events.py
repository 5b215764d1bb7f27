"""Publishing events: a small port, and its Kafka adapter on a batching aiokafka producer."""

import asyncio
from collections.abc import Sequence
from typing import Protocol

from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry, Counter
from pydantic import BaseModel

from herald.contracts import Topic
from herald.runtime.tracing import TRACE_HEADER

Value = BaseModel | bytes | None
"""A model (serialised to JSON), raw bytes (sent as they are) or None (a tombstone)."""

Item = tuple[str, Value]


def encode(value: Value) -> bytes | None:
    if value is None or isinstance(value, bytes):
        return value
    return value.model_dump_json().encode()


def message_headers(value: Value, given: dict[str, str] | None) -> list[tuple[str, bytes]] | None:
    """The given headers; else the trace id an event carries, so that it rides in the
    headers of every hop (sends and outcomes included) without each caller saying so."""
    if not given:
        trace = getattr(value, "trace_id", None)
        given = {TRACE_HEADER: trace} if isinstance(trace, str) and trace else None
    return [(k, v.encode()) for k, v in given.items()] if given else None


class EventBus(Protocol):
    async def publish(
        self, topic: Topic, key: str, value: Value, headers: dict[str, str] | None = None
    ) -> None: ...

    async def publish_many(
        self, topic: Topic, items: Sequence[Item], headers: dict[str, str] | None = None
    ) -> None:
        """Publish all and return once every one is acknowledged by the broker."""
        ...


class KafkaEventBus:
    """At-least-once publishing: acks=all, and callers wait for the acknowledgement."""

    def __init__(
        self,
        bootstrap_servers: str,
        *,
        client_id: str,
        registry: CollectorRegistry,
        linger_ms: int = 5,
        max_request_size: int = 4 * 1024 * 1024,
        topic_prefix: str = "",
    ) -> None:
        self._prefix = topic_prefix
        self._config = {
            "bootstrap_servers": bootstrap_servers,
            "client_id": client_id,
            "acks": "all",
            "linger_ms": linger_ms,
            "max_request_size": max_request_size,
            "max_batch_size": 1024 * 1024,
        }
        self._producer: AIOKafkaProducer | None = None
        self._published = Counter(
            "herald_events_published",
            "Events published, by topic.",
            ["topic"],
            registry=registry,
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
        self, topic: Topic, items: Sequence[Item], headers: dict[str, str] | None = None
    ) -> None:
        if not items:
            return
        if self._producer is None:
            raise RuntimeError("the event bus is not started")
        futures = [
            await self._producer.send(
                self._prefix + topic,
                encode(value),
                key=key.encode(),
                headers=message_headers(value, headers),
            )
            for key, value in items
        ]
        await asyncio.gather(*futures)
        self._published.labels(str(topic)).inc(len(items))
