"""Releasing on fakes of the storage ports: sends when due, caps, expiry, pacing, priority."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

from herald.runtime.loops import Wakeup
from herald.scheduler.domain.policy import Policies
from herald.scheduler.releasing import Releaser
from tests.support.scheduler import push_request, recipient
from tests.unit.scheduler.harness import NOW, Scheduler, policies


async def test_due_timers_go_out_once_with_dispatching_announced_once() -> None:
    s = Scheduler()
    await s.add(recipient("u-1"), recipient("u-2"))
    await s.plan(push_request("now", {"all": True}))
    later = {"send_at": (NOW + timedelta(days=1)).isoformat()}
    await s.plan(push_request("later", {"all": True}, schedule=later))
    assert await s.release() == 2
    assert sorted(x["recipient_id"] for x in s.sends("now")) == ["u-1", "u-2"]
    assert [st["status"] for st in s.statuses("now")] == ["scheduled", "dispatching"]
    assert [st["counts"]["recipients"] for st in s.statuses("now")] == [2, 2]
    assert not s.sends("later")
    assert len(s.state.timers) == 2
    assert set(s.state.released) == {x["delivery_id"] for x in s.sends("now")}
    s.clock.advance(days=1)
    assert await s.release() == 2
    assert [st["status"] for st in s.statuses("now")] == ["scheduled", "dispatching"]
    assert not s.state.timers


async def test_over_the_cap_moves_to_the_next_slot_and_counts_usage() -> None:
    s = Scheduler(policies(caps={"all": {"per_day": 1}}))
    await s.add(recipient("f-1"))
    await s.plan(push_request("f-a", {"all": True}))
    await s.plan(push_request("f-b", {"all": True}))
    assert await s.release() == 2
    assert len(s.sends()) == 1
    [held] = s.state.timers.values()
    assert held.deferred == ("frequency_capped",)
    assert held.due_at == datetime.fromisoformat("2026-11-28T00:00:00+08:00")
    assert s.state.caps[("acme", "f-1")]["*"].sent == 1
    s.clock.now = held.due_at
    await s.release()
    assert len(s.sends()) == 2
    assert s.sends()[1]["deferred"] == ["frequency_capped"]


async def test_over_the_cap_past_expiry_ends_suppressed() -> None:
    s = Scheduler(policies(caps={"all": {"per_day": 1}}))
    await s.add(recipient("f-2"))
    await s.plan(push_request("g-1", {"all": True}))
    soon = {"expires_at": (NOW + timedelta(hours=2)).isoformat()}
    await s.plan(push_request("g-2", {"all": True}, schedule=soon))
    await s.release()
    [o] = s.outcomes()
    assert (o["outcome"], o["reason"]) == ("suppressed", "frequency_capped")
    assert not s.state.timers


async def test_expired_timers_and_erased_recipients_end_with_an_outcome() -> None:
    s = Scheduler()
    await s.add(recipient("x-1"), recipient("x-2"))
    soon = {"expires_at": (NOW + timedelta(hours=1)).isoformat()}
    await s.plan(push_request("x", {"recipients": ["x-1"]}, schedule=soon))
    await s.plan(
        push_request("y", {"recipients": ["x-2"]}, schedule={"send_at": soon["expires_at"]})
    )
    await s.directory.apply([("acme", "x-2", None)])
    s.clock.advance(hours=2)
    await s.release()
    assert not s.sends()
    got = {o["request_id"]: (o["outcome"], o["reason"]) for o in s.outcomes()}
    assert got == {"x": ("expired", "expired"), "y": ("suppressed", "no_contact")}


async def test_a_paced_lane_releases_its_rate_per_second() -> None:
    s = Scheduler(policies(rates={"app_push": 10}))
    await s.add(*[recipient(f"r-{i:02}") for i in range(30)])
    await s.plan(push_request("rate", {"all": True}))
    assert await s.release() == 10
    s.clock.advance(seconds=0.5)
    assert await s.release() == 5
    s.clock.advance(seconds=5)
    assert await s.release() == 10  # at most one second of burst


async def test_critical_goes_ahead_in_a_backlog() -> None:
    s = Scheduler(batch=2)
    await s.add(*[recipient(f"p-{i}") for i in range(6)])
    await s.plan(push_request("low", {"all": True}, priority="low"))
    await s.plan(push_request("crit", {"recipients": ["p-5"]}, priority="critical"))
    await s.releaser.release_once()
    assert "crit" in [x["request_id"] for x in s.sends()]


async def test_lane_rates_follow_the_policies_at_start() -> None:
    s = Scheduler(policies(rates={"app_push": 10}))
    await s.add(recipient("l-1"))
    await s.plan(push_request("l", {"all": True}))
    slower = policies(rates={"app_push": 3})
    restarted = Releaser(s.timers, s.plans, s.events, s.clock, slower, s.metrics, 10, 0.01)
    await restarted.sync_rates()
    assert s.state.lanes[("acme", "app_push")].rate == 3


async def test_a_push_planned_for_now_goes_out_without_waiting_for_the_next_poll() -> None:
    s = Scheduler(poll_s=3600.0)  # an hour between polls: only the planner's word moves it
    await s.add(recipient("u-1"))
    rounds, release_once = 0, s.releaser.release_once

    async def counted(critical: bool | None = None) -> int:
        nonlocal rounds
        n = await release_once(critical)
        rounds += 1
        return n

    s.releaser.release_once = counted  # type: ignore[method-assign]
    releasing = asyncio.create_task(s.releaser.run())
    try:
        while rounds < 1:  # the releaser found nothing and waits out its poll
            await asyncio.sleep(0)
        await s.plan(push_request("now", {"recipients": ["u-1"]}))
        async with asyncio.timeout(60):  # a guard against hanging, not a measurement
            while not s.sends("now"):
                await asyncio.sleep(0)
    finally:
        releasing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await releasing
    assert [x["recipient_id"] for x in s.sends("now")] == ["u-1"]


Round = tuple[object, bool | None, int]
"""A release round: its loop (task), its lanes, the timers it released."""


def counting(s: Scheduler, batch: int) -> tuple[Releaser, list[Round]]:
    """Three bulk release loops and a critical one, each round recorded; the planner
    wakes the bulk ones."""
    releaser = Releaser(
        s.timers, s.plans, s.events, s.clock, Policies(), s.metrics, batch, 3600.0,
        3, s.timers_ready, 1, Wakeup(),
    )  # fmt: skip
    rounds: list[Round] = []
    release_once = releaser.release_once

    async def counted(critical: bool | None = None) -> int:
        n = await release_once(critical)
        rounds.append((asyncio.current_task(), critical, n))
        return n

    releaser.release_once = counted  # type: ignore[method-assign]
    return releaser, rounds


async def settle() -> None:
    for _ in range(50):  # every loop woken runs its round
        await asyncio.sleep(0)


@contextlib.asynccontextmanager
async def release_loops(releaser: Any, rounds: list[Any]) -> AsyncIterator[None]:
    """The releaser's loops running, each past its first (empty) round; on leaving, every
    loop woken meanwhile has run its round, and the loops stop."""
    releasing = asyncio.create_task(releaser.run())
    try:
        async with asyncio.timeout(60):  # a guard against hanging, not a measurement
            while len(rounds) < 4:
                await asyncio.sleep(0)
            yield
        await settle()
    finally:
        releasing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await releasing


async def until(done: Callable[[], bool]) -> None:
    while not done():
        await asyncio.sleep(0)


async def test_a_single_push_costs_one_release_round_not_one_per_loop() -> None:
    s = Scheduler(poll_s=3600.0)
    await s.add(recipient("u-1"))
    releaser, rounds = counting(s, batch=1000)
    async with release_loops(releaser, rounds):
        await s.plan(push_request("one", {"recipients": ["u-1"]}))
        await until(lambda: bool(s.sends("one")))
    assert [(critical, n) for _, critical, n in rounds[4:]] == [(False, 1)]


async def test_a_backlog_brings_in_every_release_loop_of_its_lanes() -> None:
    s = Scheduler(poll_s=3600.0)
    await s.add(*(recipient(f"b-{i}") for i in range(12)))
    releaser, rounds = counting(s, batch=1)
    async with release_loops(releaser, rounds):
        await s.plan(push_request("many", {"all": True}))
        await until(lambda: len(s.sends("many")) >= 12)
    assert sum(n for _, critical, n in rounds if critical is False) == 12
    assert len({loop for loop, critical, n in rounds if critical is False and n}) == 3
    assert not [n for _, critical, n in rounds[4:] if critical]  # not woken


async def test_a_push_for_later_wakes_no_release_loop() -> None:
    s = Scheduler(poll_s=3600.0)
    await s.add(recipient("w-1"))
    releaser, rounds = counting(s, batch=1000)
    async with release_loops(releaser, rounds):
        later = {"send_at": (NOW + timedelta(hours=1)).isoformat()}
        await s.plan(push_request("later", {"recipients": ["w-1"]}, schedule=later))
    assert rounds[4:] == []
    assert len(s.state.timers) == 1
