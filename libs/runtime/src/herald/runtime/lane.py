"""Which lane the running work is in, and giving the event loop back between slices of
bulk work (issue 21).

A process that serves both lanes (the scheduler, the dispatcher) runs a blast's work and
a critical push's on one event loop. asyncio has no priorities: a coroutine keeps the
loop until it awaits something that suspends, so a blast's CPU-bound step (a chunk's
expansion, a release's settlement, a batch's render and send) held every critical
consumer in the process for as long as it ran (tens to hundreds of ms under load).

- The lane is a context variable: work started by a critical consumer or release loop
  (`critical_lane()`) is critical, and so is every task it creates; anything else is
  bulk. The database pool reads it too (herald.runtime.pool: connections only critical
  work may take).
- Bulk loops call `pause()` between items: once `SLICE_S` has passed since the loop last
  got a chance here, the step yields (`asyncio.sleep(0)`), so a critical step waiting
  to run does, and the bulk step goes on after it. Critical work never pauses: it is
  short, and it goes first.
- While critical work is in progress (`critical_work()`: a critical consumer's batch, a
  critical release round), a bulk step yields with a short sleep (`YIELD_S`) instead:
  `sleep(0)` would put it straight back in the ready queue, ahead of the I/O a critical
  step is waiting for (each of a critical push's awaits would then wait for every bulk
  task's next slice); a sleeping one leaves the loop to poll that I/O first. Bulk work
  is slowed by at most `YIELD_S` per slice, and only then.
"""

import asyncio
import collections
import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextvars import ContextVar
from typing import Literal, TypeVar

T = TypeVar("T")
R = TypeVar("R")
Lane = Literal["critical", "bulk"]

SLICE_S = 0.005
"""How long a bulk step may hold the loop before it yields at its next `pause()`."""

YIELD_S = 0.001
"""How long a bulk step steps aside at a pause while critical work is in progress."""

_lane: ContextVar[Lane] = ContextVar("herald_lane", default="bulk")


def current_lane() -> Lane:
    return _lane.get()


@contextlib.contextmanager
def critical_lane() -> Iterator[None]:
    """The work done inside (and the tasks it starts) is critical."""
    token = _lane.set("critical")
    try:
        yield
    finally:
        _lane.reset(token)


@contextlib.contextmanager
def critical_work() -> Iterator[None]:
    """Critical work in progress (in the critical lane): until it is done, bulk steps
    step aside at their pauses (see the module's doc). Mark work, not waiting: a loop
    waiting for its next round must not slow the bulk lane."""
    with critical_lane():
        _Clock.critical += 1
        try:
            yield
        finally:
            _Clock.critical -= 1


class _Clock:
    """When this process's loop last got a chance from a `pause()` (process-wide: any
    bulk step that yields gives every waiting task its turn)."""

    yielded_at = 0.0
    budget_s = SLICE_S
    pauses = 0
    """How many times a pause yielded (tests read it)."""
    critical = 0
    """Critical work in progress (`critical_work`)."""


def slice_budget(seconds: float) -> float:
    """Set how long a bulk step may hold the loop (tests: 0 yields at every pause); the
    previous budget."""
    before, _Clock.budget_s = _Clock.budget_s, seconds
    return before


def pauses() -> int:
    return _Clock.pauses


async def pause() -> None:
    """In bulk work: yield to the loop if this step has held it for `SLICE_S`."""
    if _lane.get() == "critical":
        return
    now = time.perf_counter()
    if now - _Clock.yielded_at >= _Clock.budget_s:
        await asyncio.sleep(YIELD_S if _Clock.critical else 0)
        _Clock.yielded_at = time.perf_counter()
        _Clock.pauses += 1


async def sliced(step: Callable[[Sequence[T]], R], items: Sequence[T], size: int = 250) -> list[R]:
    """`step` (pure, CPU-bound) over `items` a slice of `size` at a time, pausing between
    slices: the same results as one call per slice, without holding the loop for all."""
    out = []
    for start in range(0, len(items), size):
        if start:
            await pause()
        out.append(step(items[start : start + size]))
    return out


class CriticalFirstLock:
    """A mutex that hands over to critical waiters first, then to bulk ones, each in
    arrival order: a critical step that needs what a bulk batch serialises on (review's
    one-evaluation-at-a-time engine) waits for the holder only, not for every bulk
    waiter queued before it (`asyncio.Lock` is first come, first served)."""

    def __init__(self) -> None:
        self._held = False
        self._waiters: dict[Lane, collections.deque[asyncio.Future[None]]] = {
            "critical": collections.deque(),
            "bulk": collections.deque(),
        }

    def locked(self) -> bool:
        return self._held

    async def __aenter__(self) -> None:
        if not self._held and not any(self._waiters.values()):
            self._held = True
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._waiters[_lane.get()]
        queue.append(waiter)
        try:
            await waiter  # resolved by `_hand_over`: the lock is this waiter's
        except asyncio.CancelledError:
            if waiter.done() and not waiter.cancelled():
                self._hand_over()  # handed over, then cancelled: pass it on
            elif waiter in queue:  # a hand-over may have popped it (cancelled) already
                queue.remove(waiter)
            raise

    async def __aexit__(self, *_: object) -> None:
        self._hand_over()

    def _hand_over(self) -> None:
        for queue in (self._waiters["critical"], self._waiters["bulk"]):
            while queue:
                waiter = queue.popleft()
                if not waiter.done():
                    waiter.set_result(None)
                    return
        self._held = False
