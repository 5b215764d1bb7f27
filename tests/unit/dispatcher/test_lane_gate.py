"""Slots kept for critical sends: a marketing blast holding every slot it may take never
makes an alert wait, and reserving never raises a provider's own limit."""

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from herald.dispatcher.domain.resilience import Breaker
from herald.dispatcher.lane_gate import LaneSlots, reserved_share
from herald.dispatcher.routing.registry import Gate
from tests.unit.dispatcher.builders import send

BULK = send("bulk", category="marketing")
ALERT = send("alert", category="alert")


@pytest.mark.parametrize(
    ("total", "share", "kept"), [(1, 0.5, 0), (2, 0.1, 1), (10, 0.1, 1), (200, 0.1, 20), (8, 0, 0)]
)
def test_a_share_of_every_bound_is_kept_but_never_all_of_it(
    total: int, share: float, kept: int
) -> None:
    assert reserved_share(total, share) == kept
    slots = LaneSlots.split(total, share)
    assert slots.shared + slots.reserved == total


@contextlib.asynccontextmanager
async def held(slots: LaneSlots, n: int) -> AsyncIterator[list[asyncio.Task[None]]]:
    """`n` marketing sends each holding a slot until the block ends."""
    release = asyncio.Event()
    started = asyncio.Semaphore(0)

    async def hold() -> None:
        async with slots.slot(BULK):
            started.release()
            await release.wait()

    tasks = [asyncio.create_task(hold()) for _ in range(n)]
    for _ in range(n):
        await started.acquire()
    try:
        yield tasks
    finally:
        release.set()
        await asyncio.gather(*tasks)


async def test_a_blast_holding_every_shared_slot_leaves_the_alert_its_own() -> None:
    slots = LaneSlots.split(10, 0.2)
    async with held(slots, 8):
        assert slots.locked()  # for a marketing send: every slot it may take is taken
        got = asyncio.Event()

        async def alert() -> None:
            async with slots.slot(ALERT):
                got.set()

        async with asyncio.timeout(5):  # a guard against hanging, not a measurement
            await asyncio.create_task(alert())
        assert got.is_set()


async def test_a_marketing_send_never_takes_a_reserved_slot() -> None:
    slots = LaneSlots.split(3, 0.34)  # 2 shared, 1 kept
    async with held(slots, 2):
        waiting = asyncio.create_task(_one(slots))
        await asyncio.sleep(0)
        await asyncio.sleep(0)
        assert not waiting.done()
    await waiting


async def _one(slots: LaneSlots) -> None:
    async with slots.slot(BULK):
        pass


async def test_a_provider_gate_lets_the_alert_in_and_defers_the_blast() -> None:
    breaker = Breaker(5, 30.0, lambda: 0.0)
    gate = Gate(breaker, None, LaneSlots.split(4, 0.25), wait_s=0.01, name="sms/p")
    results: dict[str, bool] = {}

    async def enter(kind: str) -> None:
        slots = LaneSlots(1)  # the dispatcher's own bound, which marks the send's lane
        async with slots.slot(ALERT if kind == "alert" else BULK):
            results[kind] = await gate.enter()
            if results[kind]:
                gate.leave()

    async with held(gate.slots, 3):
        await enter("bulk")
        await enter("alert")
    assert results == {"bulk": False, "alert": True}
