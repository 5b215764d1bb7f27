"""Hand-written fakes of the runtime's ports, for unit tests."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from prometheus_client import CollectorRegistry

from herald.contracts import Topic
from herald.runtime.dlq import DeadLetters
from herald.runtime.events import Item, Value, encode
from herald.runtime.health import Health


@dataclass
class Published:
    topic: Topic
    key: str
    value: bytes | None
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.value) if self.value is not None else None


@dataclass
class FakeEventBus:
    published: list[Published] = field(default_factory=list)
    started: bool = True

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
