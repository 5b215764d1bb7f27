"""Bulk work gives the event loop back between slices; critical work goes first
(herald.runtime.lane)."""

import asyncio
import socket
from collections.abc import Iterator

import pytest

from herald.runtime import lane
from herald.runtime.lane import (
    critical_lane,
    critical_work,
    current_lane,
    pause,
    pauses,
    slice_budget,
    sliced,
)


@pytest.fixture
def every_pause_yields() -> Iterator[None]:
    """A budget of 0: every pause of bulk work yields (no timing in the test)."""
    before = slice_budget(0)
    yield
    slice_budget(before)


async def test_bulk_slices_let_a_waiting_task_run_between_them(every_pause_yields: None) -> None:
    order: list[object] = []

    async def critical_push() -> None:
        order.append("critical")

    def step(some: list[int]) -> int:
        order.append(tuple(some))
        return sum(some)

    waiting = asyncio.create_task(critical_push())  # ready, waiting for the loop
    assert await sliced(step, [1, 2, 3, 4], size=2) == [3, 7]
    await waiting
    assert order == [(1, 2), "critical", (3, 4)]


async def test_critical_work_runs_through_without_pausing(every_pause_yields: None) -> None:
    order: list[object] = []

    async def bulk() -> None:
        order.append("bulk")

    before = pauses()
    with critical_lane():
        waiting = asyncio.create_task(bulk())
        await sliced(lambda some: order.append(tuple(some)), [1, 2, 3, 4], size=2)
        await pause()
    await waiting
    assert order == [(1, 2), (3, 4), "bulk"]
    assert pauses() == before


async def test_tasks_started_by_critical_work_are_critical() -> None:
    async def lane() -> str:
        return current_lane()

    with critical_lane():
        inside = await asyncio.create_task(lane())
    assert (inside, await asyncio.create_task(lane())) == ("critical", "bulk")


async def test_while_critical_work_waits_for_io_a_bulk_slice_lets_it_go_first(
    every_pause_yields: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sleep(0)` would queue the bulk step ahead of the critical step's I/O; stepping
    aside lets the loop poll it first."""
    monkeypatch.setattr(lane, "YIELD_S", 0.05)  # ample: the I/O is ready before the pause
    loop = asyncio.get_running_loop()
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    order: list[object] = []

    async def critical_push() -> None:
        with critical_work():
            await loop.sock_recv(ours, 1)  # a statement's answer, say
            order.append("critical")

    try:
        waiting = asyncio.create_task(critical_push())
        await asyncio.sleep(0)  # it waits for its answer
        theirs.send(b"x")  # which is there
        await sliced(lambda some: order.append(tuple(some)), [1, 2, 3, 4, 5, 6], size=2)
        await waiting
    finally:
        ours.close()
        theirs.close()
    assert order == [(1, 2), "critical", (3, 4), (5, 6)]


async def test_a_critical_waiter_gets_the_lock_before_bulk_ones_queued_earlier() -> None:
    lock, order = lane.CriticalFirstLock(), []
    release = asyncio.Event()

    async def hold(name: str, until: asyncio.Event | None = None) -> None:
        async with lock:
            order.append(name)
            if until is not None:
                await until.wait()

    async def critical(name: str) -> None:
        with critical_lane():
            await hold(name)

    holder = asyncio.create_task(hold("holder", release))
    await asyncio.sleep(0)
    waiters = [asyncio.create_task(hold(f"bulk-{i}")) for i in range(3)]
    await asyncio.sleep(0)
    waiters.append(asyncio.create_task(critical("code")))
    await asyncio.sleep(0)
    release.set()
    await asyncio.gather(holder, *waiters)
    assert order == ["holder", "code", "bulk-0", "bulk-1", "bulk-2"]
    assert not lock.locked()


async def test_a_cancelled_waiter_passes_the_lock_on() -> None:
    lock, release = lane.CriticalFirstLock(), asyncio.Event()

    async def hold() -> None:
        async with lock:
            await release.wait()

    holder = asyncio.create_task(hold())
    await asyncio.sleep(0)
    cancelled, after = asyncio.create_task(hold()), asyncio.create_task(hold())
    await asyncio.sleep(0)
    cancelled.cancel()
    release.set()
    await asyncio.gather(holder, after)
    assert cancelled.cancelled()
    assert not lock.locked()


async def test_a_waiter_cancelled_as_the_lock_is_released_ends_cancelled_and_frees_it() -> None:
    lock = lane.CriticalFirstLock()
    await lock.__aenter__()
    waiting = asyncio.create_task(lock.__aenter__())
    await asyncio.sleep(0)  # queued
    waiting.cancel()  # its future is cancelled now; the task resumes a turn later
    await lock.__aexit__(None, None, None)  # the hand-over pops the cancelled waiter first
    with pytest.raises(asyncio.CancelledError):
        await waiting
    assert not lock.locked()
    async with lock:  # and the lock is still usable
        assert lock.locked()
