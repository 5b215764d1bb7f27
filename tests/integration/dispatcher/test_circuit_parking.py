"""Open circuits wait instead of failing (issue 16), in the dispatcher on the real broker and
Postgres: a receiver (or gateway) that fails until its circuit opens and then recovers
gets every send, and none ends `failed`.

`MAX_ATTEMPTS=2` makes the difference visible: before the fix, a send that met the open
circuit on its last route failed ("circuit open", or the receiver's skip counted as an
attempt), so a fan-out through a short outage lost recipients for good.
"""

import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from herald.devstack.postgres import create_database
from herald.dispatcher.main import create_app
from herald.dispatcher.settings import DispatcherSettings
from tests.integration.dispatcher.stub import Seen, Stub, reply
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.keys import write_keys
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
FANOUT = 30


class Flaky:
    """A peer that answers 503 until told it has recovered."""

    def __init__(self, ok: dict[str, Any]) -> None:
        self.up, self._ok = False, ok

    def __call__(self, _seen: Seen):  # type: ignore[no-untyped-def]
        return reply(200, self._ok) if self.up else reply(503, {}, {"retry-after": "0"})


@dataclass
class Running:
    http: httpx.AsyncClient
    kafka: str
    prefix: str
    outcomes: TopicWatcher

    async def sends(self, items: list[dict[str, Any]]) -> None:
        topic = self.prefix + "push.sends.v1"
        await produce(self.kafka, topic, [(s["delivery_id"], jbytes(s)) for s in items])

    async def metric(self, name: str, **labels: str) -> float:
        """The sum of `name`'s series that carry all of `labels`."""
        wanted = [f'{k}="{v}"' for k, v in labels.items()]
        text = (await self.http.get("/metrics")).text
        return sum(
            float(line.rsplit(" ", 1)[1])
            for line in text.splitlines()
            if line.startswith(name + "{") and all(w in line for w in wanted)
        )

    async def all_outcomes(self, ids: list[str]) -> list[str]:
        async def every() -> list[str] | None:
            seen = {o["delivery_id"]: o["outcome"] for o in self.outcomes.items()}
            return [seen[i] for i in ids] if all(i in seen for i in ids) else None

        return await eventually(every, timeout=60, what="every outcome")  # type: ignore[no-any-return]


def send(did: str, channels: list[str], contacts: dict[str, Any]) -> dict[str, Any]:
    return {
        "delivery_id": did,
        "request_id": f"r-{did}",
        "tenant": "acme",
        "department": "mkt",
        "recipient_id": f"u-{did}",
        "category": "notification",
        "priority": "normal",
        "channels": channels,
        "contacts": contacts,
        "content": {"title": "Sale", "body": "Half price today"},
        "due_at": datetime.now(UTC).isoformat(),
    }


@pytest.fixture(scope="module")
async def peers() -> AsyncIterator[tuple[Flaky, Stub, Flaky, Stub]]:
    receiver, gateway = Flaky({}), Flaky({"sid": "SM1"})
    hook, gw = await Stub(receiver).start(), await Stub(gateway).start()
    try:
        yield receiver, hook, gateway, gw
    finally:
        await hook.stop()
        await gw.stop()


@pytest.fixture(scope="module")
async def dispatcher(
    kafka: str,
    pg_admin_url: str,
    tmp_path_factory: pytest.TempPathFactory,
    peers: tuple[Flaky, Stub, Flaky, Stub],
) -> AsyncIterator[Running]:
    prefix, folder = new_prefix(), tmp_path_factory.mktemp("parking")
    write_keys(folder / "keys.json")
    await create_topics(kafka, prefix)
    database_url = await create_database(pg_admin_url, f"t_{uuid.uuid4().hex[:12]}")
    gw = peers[3]
    providers = {
        "providers": {"gw": {"kind": "sms", "shape": "custom", "url": gw.url("/send"),
                             "fields": {"to": "{phone}"}}},
        "channels": {"sms": ["gw"], "webhook": ["webhook"]},
    }  # fmt: skip
    settings = DispatcherSettings(
        **service_env(
            kafka,
            database_url,
            prefix,
            api_keys_file=str(folder / "keys.json"),
            signing_secret="sign-me-sign-me-sign-me-sign-me!",
            tracking_keys="k1:tracking-secret-tracking-secret-0123",
            tracker_public_url="https://t.example",
            dispatcher_public_url="https://dispatch.example",
            providers_json=json.dumps(providers),
            backoff_base_s=0.05,
            backoff_max_s=0.2,
            retry_poll_s=0.05,
            max_attempts=2,
            breaker_failures=3,
            breaker_reset_s=1.5,
            webhook_allow_private=True,
        )
    )
    outcomes = await TopicWatcher(kafka, prefix + "push.outcomes.v1").start()
    try:
        async with running(create_app(settings)) as http:
            yield Running(http, kafka, prefix, outcomes)
    finally:
        await outcomes.stop()


async def test_a_receiver_failing_until_its_circuit_opens_then_recovering_gets_every_send(
    dispatcher: Running, peers: tuple[Flaky, Stub, Flaky, Stub]
) -> None:
    receiver, hook = peers[0], peers[1]
    ids = [f"hook-{i}" for i in range(FANOUT)]
    await dispatcher.sends([send(i, ["webhook"], {"webhook": hook.url(f"/h/{i}")}) for i in ids])

    async def skipped() -> bool:  # a retryable answer the receiver never saw: circuit open
        answered = await dispatcher.metric(
            "herald_dispatcher_sends_total", provider="webhook", result="retryable"
        )
        return answered > len(hook.seen)

    await eventually(skipped, what="the receiver's circuit open")
    receiver.up = True
    outcomes = await dispatcher.all_outcomes(ids)
    assert outcomes == ["delivered"] * FANOUT
    delivered = {s.path for s in hook.seen if s.path.startswith("/h/")}
    assert delivered == {f"/h/{i}" for i in ids}


async def test_a_gateway_failing_until_the_shared_breaker_opens_then_recovering_sends_all(
    dispatcher: Running, peers: tuple[Flaky, Stub, Flaky, Stub]
) -> None:
    gateway = peers[2]
    ids = [f"sms-{i}" for i in range(FANOUT)]
    await dispatcher.sends([send(i, ["sms"], {"phone": "+8613800000000"}) for i in ids])

    async def opened() -> bool:
        return await dispatcher.metric("herald_dispatcher_circuit_state", provider="gw") == 1

    await eventually(opened, what="the gateway's breaker open")
    gateway.up = True
    assert await dispatcher.all_outcomes(ids) == ["sent"] * FANOUT
