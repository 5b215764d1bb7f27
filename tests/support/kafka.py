"""Test helpers on plain aiokafka: produce raw bytes (signed as a real producer would sign
them, unless the test forges), watch a topic from its start."""

import asyncio
import contextlib
import json
from dataclasses import dataclass, field
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from herald.runtime.provenance import RecordSigner
from tests.support.fakes import unbatched
from tests.support.signing import base_topic, signer_for


@dataclass
class Seen:
    key: str | None
    value: bytes | None
    headers: dict[str, str]
    partition: int
    offset: int

    def json(self) -> Any:
        return json.loads(self.value) if self.value is not None else None

    def items(self) -> list[dict[str, Any]]:
        """The sends or outcomes the record carries, one or a batch (tests.support.fakes)."""
        return unbatched(self.json()) if self.value is not None else []


async def produce(
    bootstrap: str,
    topic: str,
    items: list[tuple[str | None, bytes | None]],
    headers: dict[str, str] | None = None,
    *,
    signer: RecordSigner | None = None,
    unsigned: bool = False,
) -> None:
    """Each record signed by `signer`, else by whoever may write the topic (Herald on its
    own topics, the test producer of the value's tenant on upstream ones); `unsigned`
    sends no signature at all."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, max_request_size=32 * 1024 * 1024)
    await producer.start()
    try:
        given = [(k, v.encode()) for k, v in (headers or {}).items()]
        futures = []
        for key, value in items:
            raw_key = key.encode() if key else None
            by = None if unsigned else signer or signer_for(topic, value)
            signed = by.headers(base_topic(topic), raw_key, value) if by else []
            futures.append(
                await producer.send(topic, value, key=raw_key, headers=(given + signed) or None)
            )
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def jbytes(obj: Any) -> bytes:
    return json.dumps(obj, ensure_ascii=False).encode()


@dataclass
class TopicWatcher:
    """Reads every partition of a topic from the beginning, in the background."""

    bootstrap: str
    topic: str
    seen: list[Seen] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _consumer: AIOKafkaConsumer | None = None

    async def start(self) -> "TopicWatcher":
        self._consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap, enable_auto_commit=False
        )
        await self._consumer.start()
        partitions = self._consumer.partitions_for_topic(self.topic)
        while not partitions:
            await self._consumer._client.force_metadata_update()
            partitions = self._consumer.partitions_for_topic(self.topic)
        tps = [TopicPartition(self.topic, p) for p in partitions]
        self._consumer.assign(tps)
        await self._consumer.seek_to_beginning(*tps)
        self._task = asyncio.create_task(self._run())
        return self

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=100)
            for records in batches.values():
                for r in records:
                    self.seen.append(
                        Seen(
                            r.key.decode() if r.key else None,
                            r.value,
                            {k: bytes(v).decode() for k, v in (r.headers or ())},
                            r.partition,
                            r.offset,
                        )
                    )

    def for_key(self, key: str) -> list[Seen]:
        return [s for s in self.seen if s.key == key]

    def items(self) -> list[dict[str, Any]]:
        """Every send or outcome seen on push.sends.v1 / push.outcomes.v1, unbatched."""
        return [i for s in self.seen for i in s.items()]

    def for_delivery(self, delivery_id: str) -> list[dict[str, Any]]:
        """The sends or outcomes seen of one delivery (whatever record carried them)."""
        return [i for i in self.items() if i.get("delivery_id") == delivery_id]

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer:
            await self._consumer.stop()
