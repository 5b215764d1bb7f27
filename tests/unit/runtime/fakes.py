"""A producer that records what it is asked to send and acknowledges at once."""

import asyncio
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Sent:
    topic: str
    value: bytes | None
    key: bytes | None
    headers: dict[str, str]


@dataclass
class FakeProducer:
    sent: list[Sent] = field(default_factory=list)

    async def send(
        self, topic: str, value: bytes | None, *, key: bytes | None = None, headers: Any = None
    ) -> "asyncio.Future[None]":
        self.sent.append(Sent(topic, value, key, {k: v.decode() for k, v in headers or ()}))
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        done.set_result(None)
        return done
