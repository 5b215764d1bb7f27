"""Hand-written fakes of the runtime's ports, for unit tests."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from prometheus_client import CollectorRegistry

from herald.contracts import Topic
from herald.runtime.dlq import DeadLetters
from herald.runtime.events import Item, Value, encode
from herald.runtime.health import Health
from herald.runtime.packing import BatchPublishing, Limits
from herald.runtime.websessions import SessionRow


@dataclass
class Published:
    topic: Topic
    key: str
    value: bytes | None
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.value) if self.value is not None else None

    def items(self) -> list[dict[str, Any]]:
        """A record of push.sends.v1 or push.outcomes.v1 as the sends or outcomes it
        carries, one or a batch (herald.runtime.batches), each with the shared fields."""
        return unbatched(self.json())


def unbatched(value: dict[str, Any]) -> list[dict[str, Any]]:
    """A Send/Outcome as itself, a SendBatch/OutcomeBatch as its items, each one merged
    with the batch's shared fields (as JSON, the shape a single record has)."""
    for field_name in ("sends", "outcomes"):
        if "batch_id" in value and field_name in value:
            shared = {k: v for k, v in value.items() if k not in ("batch_id", field_name)}
            return [{**shared, **item} for item in value[field_name]]
    return [value]


@dataclass
class FakeEventBus(BatchPublishing):
    published: list[Published] = field(default_factory=list)
    started: bool = True
    limits: Limits = field(default_factory=Limits)

    async def publish(
        self, topic: Topic, key: str, value: Value, headers: dict[str, str] | None = None
    ) -> None:
        self.published.append(Published(topic, key, encode(value), dict(headers or {})))

    async def publish_many(
        self, topic: Topic, items: Sequence[Item], headers: dict[str, str] | None = None
    ) -> None:
        for key, value in items:
            await self.publish(topic, key, value, headers)

    def on(self, topic: Topic) -> list[Published]:
        return [p for p in self.published if p.topic == topic]


def dead_letters(events: FakeEventBus, service: str = "test") -> DeadLetters:
    return DeadLetters(events, service, CollectorRegistry())  # type: ignore[arg-type]


def health() -> Health:
    return Health()


@dataclass
class FakeSessionStore:
    """Web sessions in a dict (herald.runtime.websessions.SessionStore)."""

    rows: dict[str, SessionRow] = field(default_factory=dict)

    async def insert(self, row: SessionRow) -> None:
        self.rows[row.id_sha256] = row

    async def get(self, id_sha256: str) -> SessionRow | None:
        return self.rows.get(id_sha256)

    async def touch(self, id_sha256: str, at: datetime) -> None:
        row = self.rows.get(id_sha256)
        if row is not None:
            self.rows[id_sha256] = replace(row, last_seen=max(row.last_seen, at))

    async def delete(self, id_sha256: str) -> None:
        self.rows.pop(id_sha256, None)

    async def purge(self, idle_before: datetime, created_before: datetime) -> int:
        gone = [
            k for k, r in self.rows.items()
            if r.last_seen < idle_before or r.created_at < created_before
        ]  # fmt: skip
        for k in gone:
            del self.rows[k]
        return len(gone)
