"""Kafka over plain aiokafka: publish keyed messages, read a topic without a consumer group.

Reading assigns partitions directly (no group, nothing committed), so it never moves a
service's offsets and can run beside the services.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError

from herald.heraldctl.client import RemoteError
from herald.heraldctl.common import CommandError

READ_TIMEOUT_S = 30.0


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    timestamp_ms: int
    key: bytes | None
    value: bytes | None


def _quiet() -> None:
    """aiokafka logs connection trouble itself; this tool reports it once, as an error."""
    logger = logging.getLogger("aiokafka")
    logger.setLevel(logging.CRITICAL)
    logger.propagate = False


def _unreachable(bootstrap: str, exc: Exception) -> RemoteError:
    return RemoteError(0, "unreachable", f"cannot reach Kafka at {bootstrap}", str(exc) or None)


class _Client(Protocol):
    async def start(self) -> None: ...
    async def stop(self) -> None: ...


@contextlib.asynccontextmanager
async def _running(client: _Client, bootstrap: str) -> AsyncIterator[None]:
    """The client started (RemoteError `unreachable` if the broker is not), then stopped."""
    try:
        await client.start()
    except KafkaError as exc:
        await client.stop()
        raise _unreachable(bootstrap, exc) from exc
    try:
        yield
    finally:
        await client.stop()


@contextlib.asynccontextmanager
async def producer(bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    _quiet()
    p = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", max_request_size=8 * 1024 * 1024)
    async with _running(p, bootstrap):
        yield p


Headers = list[tuple[str, bytes]]


async def publish(
    p: AIOKafkaProducer,
    topic: str,
    items: Sequence[tuple[str | None, bytes | None]],
    on_ack: Callable[[], None] = lambda: None,
    headers: Callable[[bytes | None, bytes | None], Headers] = lambda _k, _v: [],
) -> list[tuple[int, int]]:
    """Send every (key, value) with `headers(key, value)` (a signature); return (partition,
    offset) of each once the broker has it."""
    futures = []
    for k, value in items:
        key = k.encode() if k else None
        futures.append(await p.send(topic, value, key=key, headers=headers(key, value) or None))

    async def acked(f: Any) -> tuple[int, int]:
        meta = await f
        on_ack()
        return int(meta.partition), int(meta.offset)

    return list(await asyncio.gather(*(acked(f) for f in futures)))


@contextlib.asynccontextmanager
async def reader(bootstrap: str) -> AsyncIterator[AIOKafkaConsumer]:
    _quiet()
    c = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False)
    async with _running(c, bootstrap):
        yield c


async def partitions(c: AIOKafkaConsumer, topic: str) -> list[TopicPartition]:
    found = c.partitions_for_topic(topic)
    if not found:
        await c.topics()  # refreshes metadata
        found = c.partitions_for_topic(topic)
    if not found:
        raise CommandError(f"topic {topic} does not exist")
    return [TopicPartition(topic, p) for p in sorted(found)]


def _record(r: Any) -> Record:
    return Record(
        r.topic,
        r.partition,
        r.offset,
        r.timestamp,
        r.key,
        r.value,
    )


async def read_all(bootstrap: str, topic: str) -> list[Record]:
    """Every record of every partition, from the beginning to the end as it is now."""
    async with reader(bootstrap) as c:
        tps = await partitions(c, topic)
        c.assign(tps)
        await c.seek_to_beginning(*tps)
        end = await c.end_offsets(tps)
        out: list[Record] = []
        deadline = time.monotonic() + READ_TIMEOUT_S
        while any([await c.position(tp) < end[tp] for tp in tps]):
            if time.monotonic() > deadline:
                raise CommandError(f"reading {topic} took longer than {READ_TIMEOUT_S:g}s")
            batches = await c.getmany(timeout_ms=500)
            out.extend(_record(r) for records in batches.values() for r in records)
        return sorted(out, key=lambda r: (r.partition, r.offset))


async def read_one(bootstrap: str, topic: str, partition: int, offset: int) -> Record | None:
    """The record at (partition, offset), or None if there is none (any more)."""
    async with reader(bootstrap) as c:
        tps = await partitions(c, topic)
        tp = TopicPartition(topic, partition)
        if tp not in tps:
            return None
        c.assign([tp])
        end = (await c.end_offsets([tp]))[tp]
        if offset >= end:
            return None
        c.seek(tp, offset)
        deadline = time.monotonic() + READ_TIMEOUT_S
        while time.monotonic() < deadline:
            for r in (await c.getmany(tp, timeout_ms=500)).get(tp, []):
                return _record(r) if r.offset == offset else None
            if await c.position(tp) >= end:
                return None
        raise CommandError(f"reading {topic}[{partition}] took longer than {READ_TIMEOUT_S:g}s")
