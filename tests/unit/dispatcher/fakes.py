"""Hand-written fakes of the dispatcher's ports, and a clock a test moves by hand."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from herald.contracts import Recipient
from herald.contracts.internal import CancelRequested, Outcome, Send
from herald.dispatcher.domain.consent import ConsentRow
from herald.dispatcher.domain.lanes import Lane, lane_of
from herald.dispatcher.domain.outcomes import Later, Progress
from herald.dispatcher.ports import Claim
from herald.dispatcher.providers.base import Attempt, Message, Provider, Result
from tests.unit.dispatcher.builders import T0


@dataclass
class Clock:
    now: datetime = T0

    def __call__(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return (self.now - T0).total_seconds()

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@dataclass
class FakeLedger:
    outcomes: dict[str, Outcome] = field(default_factory=dict)
    claimed: set[str] = field(default_factory=set)
    parked: dict[str, Later] = field(default_factory=dict)

    async def claim(self, sends: Sequence[Send]) -> dict[str, Claim]:
        out = {}
        for s in sends:
            self.claimed.add(s.delivery_id)
            out[s.delivery_id] = Claim(
                self.outcomes.get(s.delivery_id), s.delivery_id in self.parked
            )
        return out

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        for o in outcomes:
            self.outcomes[o.delivery_id] = o
            self.parked.pop(o.delivery_id, None)

    async def park(self, later: Sequence[Later]) -> None:
        for x in later:
            self.parked[x.send.delivery_id] = x

    async def due(
        self, now: datetime, limit: int, lease: timedelta, lanes: Sequence[Lane]
    ) -> list[tuple[Send, Progress]]:
        due = [x for x in self.parked.values() if x.not_before <= now and lane_of(x.send) in lanes][
            :limit
        ]
        for x in due:
            self.parked[x.send.delivery_id] = replace(x, not_before=now + lease)
        return [(x.send, x.progress) for x in due]


@dataclass
class FakeViews:
    cancels: set[tuple[str, str]] = field(default_factory=set)
    consents: dict[tuple[str, str], ConsentRow] = field(default_factory=dict)

    async def cancelled(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        return keys & self.cancels

    async def consent(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ConsentRow]:
        return {k: self.consents[k] for k in keys if k in self.consents}

    async def add_cancels(self, cancels: Sequence[CancelRequested]) -> None:
        self.cancels |= {(c.tenant, c.request_id) for c in cancels}

    async def apply_recipients(self, changes: Sequence[tuple[str, str, Recipient | None]]) -> None:
        for tenant, rid, r in changes:
            self.consents[(tenant, rid)] = (
                ConsentRow(r.consent.marketing, {str(k): v for k, v in r.consent.channels.items()})
                if r
                else ConsentRow(False, {}, True)
            )


@dataclass
class ScriptedProvider(Provider):
    """Answers from a script (the last answer repeats); records what it was sent."""

    name: str
    script: list[Attempt | Result] = field(default_factory=lambda: [Result.SENT])
    sent: list[Message] = field(default_factory=list)
    gate: asyncio.Event | None = None

    async def send(self, message: Message) -> Attempt:
        self.sent.append(message)
        if self.gate is not None:
            await self.gate.wait()
        step = self.script.pop(0) if len(self.script) > 1 else self.script[0]
        return step if isinstance(step, Attempt) else Attempt(step, self.name, str(step))


class FakeInbox:
    async def put(self, message: Message) -> None: ...

    async def put_many(self, messages: Sequence[Message]) -> None: ...

    async def list(self, tenant: str, recipient_id: str, unread: bool, limit: int) -> list[Any]:
        return []

    async def mark_read(self, tenant: str, recipient_id: str, delivery_id: str) -> bool | None:
        return None
