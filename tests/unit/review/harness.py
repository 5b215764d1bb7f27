"""Review's Kafka path in memory: TestKafkaBroker, fake storage and a controllable clock."""

from datetime import datetime, timedelta
from typing import Any

from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from tests.support.fakes import FakeEventBus, dead_letters, health
from tests.support.signing import signed, verifier
from tests.unit.review.builders import NOW
from tests.unit.review.fakes import FakeReviewRepository, FakeStandingRepository

from herald.contracts import Topic
from herald.contracts.internal import CancelRequested, RequestEnvelope
from herald.review.adapters.dictionaries import Dictionaries
from herald.review.engine.engine import Engine
from herald.review.handlers import build_router
from herald.review.metrics import ReviewMetrics
from herald.review.policy import Policy
from herald.review.reviewing import Reviewer
from herald.review.settings import ReviewSettings
from herald.review.violations import Violations
from herald.runtime.subscriptions import Consumers


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


class Harness:
    def __init__(
        self,
        policy: Policy | None = None,
        events: FakeEventBus | None = None,
        registry: CollectorRegistry | None = None,
        repo: FakeReviewRepository | None = None,
    ) -> None:
        policy = policy or Policy()
        self.clock = Clock()
        self.events = events or FakeEventBus()
        self.repo = repo or FakeReviewRepository()
        self.standing = FakeStandingRepository(self.repo)
        self.metrics = ReviewMetrics(registry or CollectorRegistry())
        self.violations = Violations(
            self.standing, self.events, policy.strikes, self.metrics, self.clock
        )
        engine = Engine(policy, Dictionaries(policy, None).matcher)
        self.reviewer = Reviewer(
            engine, self.repo, self.violations, self.events, self.metrics, self.clock
        )  # type: ignore[arg-type]
        settings = ReviewSettings(database_url="postgresql://unused", tenants="acme")
        self.broker = KafkaBroker()
        dlq = dead_letters(self.events, "review")
        consumers = Consumers(dlq, health(), settings, verifier())
        self.broker.include_router(build_router(consumers, self.reviewer))

    async def send(self, br: Any, *envelopes: RequestEnvelope) -> None:
        # the in-memory broker gives every message offset 0: partitions keep them apart
        for i, env in enumerate(envelopes):
            raw, key = env.model_dump_json().encode(), env.request.request_id.encode()
            headers = signed(str(Topic.ACCEPTED), key, raw)  # as intake signs it
            await br.publish(raw, topic=str(Topic.ACCEPTED), key=key, partition=i, headers=headers)

    async def cancel(self, br: Any, rid: str, by: str = "li.wei") -> None:
        event = CancelRequested(tenant="acme", request_id=rid, by=by, at=self.clock())
        raw = event.model_dump_json().encode()
        headers = signed(str(Topic.CANCELS), None, raw)
        await br.publish(raw, topic=str(Topic.CANCELS), headers=headers)

    def statuses(self, rid: str) -> list[str]:
        return [p.json()["status"] for p in self.events.on(Topic.STATUS) if p.key == rid]

    def approved(self, rid: str) -> list[Any]:
        return [p.json() for p in self.events.on(Topic.APPROVED) if p.key == rid]

    def standing_events(self) -> list[tuple[str, str]]:
        return [(p.key, p.json()["standing"]) for p in self.events.on(Topic.STANDING)]
