"""Breakers and failover with real providers on local servers, and a clock the test moves."""

import json
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from prometheus_client import CollectorRegistry

from herald.dispatcher.delivery import Deliverer, Policy
from herald.dispatcher.domain.outcomes import Done, Later
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.routing.builders import Parts
from herald.dispatcher.routing.config import ProvidersConfig
from herald.dispatcher.routing.registry import Registry
from tests.integration.dispatcher.stub import Seen, Stub, reply
from tests.unit.dispatcher.builders import send
from tests.unit.dispatcher.fakes import Clock, FakeInbox


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as c:
        yield c


def deliverer(
    client: httpx.AsyncClient,
    clock: Clock,
    primary: Stub,
    backup: Stub,
    policy: Policy | None = None,
) -> Deliverer:
    custom = {"kind": "sms", "shape": "custom", "fields": {"to": "{phone}"}}
    config = ProvidersConfig.model_validate({
        "providers": {
            "primary": custom | {"url": primary.url("/s")},
            "backup": custom | {"url": backup.url("/s")},
        },
        "channels": {"sms": ["primary", "backup"], "webhook": ["webhook"]},
    })  # fmt: skip
    metrics = DispatcherMetrics(CollectorRegistry())
    parts = Parts(client, b"k", str, FakeInbox(), breaker_threshold=2, breaker_reset_s=30,
                  webhook_allow_private=True, monotonic=clock.monotonic,
                  on_circuit=metrics.on_circuit)  # fmt: skip
    registry = Registry(config, frozenset({"acme"}), parts)
    return Deliverer(registry, None, metrics, clock, policy or Policy(max_attempts=1))


async def test_breaker_opens_on_a_failing_provider_fails_over_and_half_opens(
    client: httpx.AsyncClient,
) -> None:
    answers = {"status": 503}
    primary = await Stub(lambda s: reply(answers["status"], {}, {"retry-after": "1"})).start()
    backup, hook = await Stub().start(), await Stub().start()
    clock = Clock()
    d = deliverer(client, clock, primary, backup)
    try:
        results = [await d.deliver(send(f"d-{i}")) for i in range(4)]
        assert all(isinstance(r, Done) and r.outcome.provider == "backup" for r in results)
        assert len(primary.seen) == 2  # then open: skipped without a call
        clock.advance(30)
        answers["status"] = 200
        probe = await d.deliver(send("d-probe"))
        assert isinstance(probe, Done)
        assert probe.outcome.provider == "primary"
        assert len(primary.seen) == 3
    finally:
        for s in (primary, backup, hook):
            await s.stop()


async def test_channel_failover_when_every_sms_provider_refuses(client: httpx.AsyncClient) -> None:
    refuse = lambda s: reply(400, {"error": "bad number"})  # noqa: E731
    primary, backup, hook = (
        await Stub(refuse).start(),
        await Stub(refuse).start(),
        await Stub().start(),
    )
    d = deliverer(client, Clock(), primary, backup)
    try:
        result = await d.deliver(
            send(channels=("sms", "webhook"), contacts={"phone": "+1", "webhook": hook.url("/h")})
        )
        assert isinstance(result, Done)
        assert (result.outcome.outcome, result.outcome.channel) == ("delivered", "webhook")
        assert len(primary.seen) == len(backup.seen) == 1
        assert json.loads(hook.seen[0].body)["delivery_id"] == "d-1"
    finally:
        for s in (primary, backup, hook):
            await s.stop()


async def test_retryable_answer_with_retry_after_parks_the_send(client: httpx.AsyncClient) -> None:
    def slow_down(_s: Seen):  # type: ignore[no-untyped-def]
        return reply(429, {}, {"retry-after": "45"})

    primary, backup, hook = (
        await Stub(slow_down).start(),
        await Stub().start(),
        await Stub().start(),
    )
    clock = Clock()
    d = deliverer(client, clock, primary, backup, Policy(max_attempts=3))
    try:
        result = await d.deliver(send())
        assert isinstance(result, Later)
        assert result.not_before - clock() == timedelta(seconds=45)
        assert result.progress.attempt == 1
        assert backup.seen == []
    finally:
        for s in (primary, backup, hook):
            await s.stop()
