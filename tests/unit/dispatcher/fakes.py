"""Hand-written fakes of the dispatcher's ports, and a harness wiring them together."""

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry

from herald.contracts import Channel, Recipient
from herald.contracts.internal import CancelRequested, Outcome, Send
from herald.dispatcher.builders import Parts
from herald.dispatcher.config import ProvidersConfig
from herald.dispatcher.delivery import Deliverer, Policy
from herald.dispatcher.dispatching import Dispatcher
from herald.dispatcher.domain.consent import ConsentRow
from herald.dispatcher.domain.links import TrackingLinks
from herald.dispatcher.domain.outcomes import Later, Progress
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.ports import Claim
from herald.dispatcher.providers.base import Attempt, Message, Result
from herald.dispatcher.registry import Registry
from herald.runtime.links import LinkSigner
from tests.support.fakes import FakeEventBus

T0 = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)


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

    async def due(self, now: datetime, limit: int, lease: timedelta) -> list[tuple[Send, Progress]]:
        due = [x for x in self.parked.values() if x.not_before <= now][:limit]
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
class ScriptedProvider:
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

    async def list(self, tenant: str, recipient_id: str, unread: bool, limit: int) -> list[Any]:
        return []

    async def mark_read(self, tenant: str, recipient_id: str, delivery_id: str) -> bool | None:
        return None


SIGNER = LinkSigner({"k1": b"secret-one"})


def send(did: str = "d-1", channels: tuple[str, ...] = ("sms",), **over: Any) -> Send:
    body: dict[str, Any] = {
        "delivery_id": did,
        "request_id": "r-1",
        "tenant": "acme",
        "department": "mkt",
        "recipient_id": "u-1",
        "category": "notification",
        "priority": "normal",
        "channels": channels,
        "contacts": {
            "phone": "+8613800000000",
            "email": "li@example.com",
            "webhook": "https://hooks.example.com/u-1",
            "push_tokens": [{"platform": "fcm", "token": "tok-1"}],
        },
        "content": {"title": "Sale", "body": "Half price https://shop.example.com/w now"},
        "due_at": T0.isoformat(),
    }
    body.update(over)
    return Send.model_validate(body)


class Harness:
    def __init__(
        self,
        channels: dict[str, list[ScriptedProvider]],
        *,
        max_attempts: int = 3,
        deadline_s: float = 5.0,
        gate_wait_s: float = 0.5,
        rate: float | None = None,
        concurrency: int = 32,
    ) -> None:
        self.clock = Clock()
        self.events = FakeEventBus()
        self.ledger, self.views = FakeLedger(), FakeViews()
        self.metrics = DispatcherMetrics(CollectorRegistry())
        self.providers = {p.name: p for ps in channels.values() for p in ps}
        spec = {"kind": "log", "concurrency": concurrency, **({"rate_per_s": rate} if rate else {})}
        config = ProvidersConfig.model_validate(
            {
                "providers": dict.fromkeys(self.providers, spec),
                "channels": {c: [p.name for p in ps] for c, ps in channels.items()},
            }
        )
        parts = Parts(
            None,
            b"s",
            str,
            FakeInbox(),
            breaker_threshold=2,
            breaker_reset_s=30,  # type: ignore[arg-type]
            gate_wait_s=gate_wait_s,
            monotonic=self.clock.monotonic,
            on_circuit=self.metrics.on_circuit,
        )
        self.registry = Registry(config, frozenset({"acme"}), parts)
        for table in self.registry._routes.values():
            for routes in table.values():
                routes[:] = [replace(r, provider=self.providers[r.provider.name]) for r in routes]
        links = TrackingLinks(
            SIGNER, "https://t.example", lambda: self.clock() + timedelta(days=30)
        )
        policy = Policy(max_attempts, 1.0, 60.0, deferral_s=1.0)
        self.deliverer = Deliverer(self.registry, links, self.metrics, self.clock, policy)
        self.dispatcher = Dispatcher(
            self.ledger,
            self.views,
            self.deliverer,
            self.events,
            self.metrics,
            self.clock,
            batch_deadline_s=deadline_s,
        )

    def outcomes(self) -> list[dict[str, Any]]:
        from herald.contracts import Topic

        return [p.json() for p in self.events.on(Topic.OUTCOMES)]

    def breaker(self, name: str) -> Any:
        return next(
            r.gate.breaker
            for t in self.registry._routes.values()
            for rs in t.values()
            for r in rs
            if r.provider.name == name
        )

    async def retry_due(self) -> None:
        """Run whatever is due in the retry table, as the retry loop would."""
        await self.dispatcher.resume_due()


def channel(name: str) -> Channel:
    return Channel(name)
