"""Open circuits wait instead of failing (issue 16), in the dispatcher on the real broker and
Postgres: a receiver (or gateway) that fails until its circuit opens and then recovers
gets every send, and none ends `failed`.

`MAX_ATTEMPTS=2` makes the difference visible: before the fix, a send that met the open
circuit on its last route failed ("circuit open", or the receiver's skip counted as an
attempt), so a fan-out through a short outage lost recipients for good.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from herald.dispatcher.main import create_app
from tests.integration.dispatcher.harness import FAST_RETRIES, Live, prepared, send
from tests.integration.dispatcher.stub import Seen, Stub, reply
from tests.support.service import running
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
class Running(Live):
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
    folder, gw = tmp_path_factory.mktemp("parking"), peers[3]
    providers = {
        "providers": {"gw": {"kind": "sms", "shape": "custom", "url": gw.url("/send"),
                             "fields": {"to": "{phone}"}}},
        "channels": {"sms": ["gw"], "webhook": ["webhook"]},
    }  # fmt: skip
    async with (
        prepared(
            kafka,
            pg_admin_url,
            folder,
            providers,
            tracker_public_url="https://t.example",
            dispatcher_public_url="https://dispatch.example",
            **FAST_RETRIES,
            max_attempts=2,
            breaker_failures=3,
            breaker_reset_s=1.5,
            webhook_allow_private=True,
        ) as setup,
        running(create_app(setup.settings)) as http,
    ):
        yield Running(http, kafka, setup.prefix, setup.watchers[0])


async def test_a_receiver_failing_until_its_circuit_opens_then_recovering_gets_every_send(
    dispatcher: Running, peers: tuple[Flaky, Stub, Flaky, Stub]
) -> None:
    receiver, hook = peers[0], peers[1]
    ids = [f"hook-{i}" for i in range(FANOUT)]
    await dispatcher.sends(
        *[send(i, ["webhook"], contacts={"webhook": hook.url(f"/h/{i}")}) for i in ids]
    )

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
    await dispatcher.sends(*[send(i, ["sms"]) for i in ids])

    async def opened() -> bool:
        return await dispatcher.metric("herald_dispatcher_circuit_state", provider="gw") == 1

    await eventually(opened, what="the gateway's breaker open")
    gateway.up = True
    assert await dispatcher.all_outcomes(ids) == ["sent"] * FANOUT
