"""Background loops: a step every interval, at once again while there is more to do; a
failure either reaches the supervisor (not ready, restarted) or is counted and waited."""

import asyncio

import pytest

from herald.runtime import loops
from herald.runtime.health import Health
from herald.runtime.loops import every, supervise


class Steps:
    """Answers the given results in turn, then stops the loop (CancelledError)."""

    def __init__(self, *results: int | Exception) -> None:
        self.results, self.calls = list(results), 0

    async def __call__(self) -> int:
        self.calls += 1
        if not self.results:
            raise asyncio.CancelledError
        result = self.results.pop(0)
        if isinstance(result, Exception):
            raise result
        return result


async def test_a_full_batch_runs_the_next_round_at_once_and_a_short_one_waits() -> None:
    step = Steps(10, 10, 3, 10)
    loop = every(0.0, step, again=lambda n: n >= 10)
    with pytest.raises(asyncio.CancelledError):
        await loop()
    assert step.calls == 5


async def test_a_failing_round_is_handed_to_on_failure_and_the_loop_goes_on() -> None:
    failures: list[BaseException] = []
    step = Steps(1, 0, 0)
    step.results.insert(1, RuntimeError("Postgres away"))
    loop = every(0.0, step, on_failure=failures.append)
    with pytest.raises(asyncio.CancelledError):
        await loop()
    assert [str(f) for f in failures] == ["Postgres away"]
    assert step.calls == 5


async def test_without_on_failure_a_failing_round_ends_the_loop() -> None:
    loop = every(0.0, Steps(1, RuntimeError("boom"), 1))
    with pytest.raises(RuntimeError, match="boom"):
        await loop()


class Recorded(Health):
    def __init__(self) -> None:
        super().__init__()
        self.marked: list[tuple[str, str]] = []

    def degraded(self, part: str, why: str) -> None:
        self.marked.append((part, why))
        super().degraded(part, why)


async def test_the_supervisor_marks_a_failed_loop_not_ready_and_restarts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(loops, "RESTART_PAUSE_S", 0.0)
    health = Recorded()
    runs = 0
    seen: list[dict[str, str]] = []

    async def loop() -> None:
        nonlocal runs
        runs += 1
        if runs == 1:
            raise ConnectionRefusedError("broker away")
        seen.append(health.problems)
        raise asyncio.CancelledError

    with pytest.raises(asyncio.CancelledError):
        await supervise("relay", loop, health)
    assert health.marked == [("loop:relay", "ConnectionRefusedError: broker away")]
    assert seen == [{}]  # ready again once restarted


async def test_a_wakeup_set_during_a_round_starts_the_next_one_without_the_interval() -> None:
    wakeup = loops.Wakeup()
    calls = 0

    async def step() -> int:
        nonlocal calls
        calls += 1
        if calls == 3:
            raise asyncio.CancelledError
        wakeup.set()  # work made for the loop while it ran (a chunk planned, a callback queued)
        return 0

    loop = every(3600.0, step, wakeup=wakeup)
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(loop(), 60)  # an hour's interval: only the wakeups move it
    assert calls == 3


async def test_without_a_wakeup_the_loop_waits_its_interval() -> None:
    wakeup = loops.Wakeup()
    step = Steps(0, 0)
    task = asyncio.create_task(every(3600.0, step, wakeup=wakeup)())
    while step.calls < 1:
        await asyncio.sleep(0)
    for _ in range(20):
        await asyncio.sleep(0)
    assert step.calls == 1
    wakeup.set()
    while step.calls < 2:
        await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
