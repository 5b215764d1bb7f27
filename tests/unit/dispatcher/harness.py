"""The dispatcher's delivery path wired on fakes: scripted providers, an in-memory
ledger and views, a fake event bus and a clock the test moves."""

from dataclasses import replace
from datetime import timedelta
from typing import Any

from prometheus_client import CollectorRegistry

from herald.contracts import Topic
from herald.dispatcher.delivery import Deliverer, Policy
from herald.dispatcher.dispatching import Dispatcher
from herald.dispatcher.domain.final_check import FinalCheck, SendRules
from herald.dispatcher.domain.links import TrackingLinks
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.routing.builders import Parts
from herald.dispatcher.routing.config import ProvidersConfig
from herald.dispatcher.routing.registry import Registry
from tests.support.fakes import FakeEventBus
from tests.unit.dispatcher.builders import SIGNER
from tests.unit.dispatcher.fakes import Clock, FakeInbox, FakeLedger, FakeViews, ScriptedProvider


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
        rules: SendRules | None = None,
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
        check = FinalCheck(rules, links, self.clock)
        self.deliverer = Deliverer(self.registry, links, self.metrics, self.clock, policy, check)
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
        return [o for p in self.events.on(Topic.OUTCOMES) for o in p.items()]

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
