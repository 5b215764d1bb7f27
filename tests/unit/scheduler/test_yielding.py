"""A blast's planning and release give the event loop back between slices, so a
critical consumer in the same process is not held for a whole chunk or batch; a
critical push's own work never pauses (herald.runtime.lane)."""

from collections.abc import Iterator

import pytest

from herald.runtime.lane import critical_lane, pauses, slice_budget
from tests.support.scheduler import push_request, recipient
from tests.unit.scheduler.harness import Scheduler


@pytest.fixture
def every_pause_yields() -> Iterator[None]:
    before = slice_budget(0)
    yield
    slice_budget(before)


async def blast(s: Scheduler, n: int) -> None:
    await s.add(*(recipient(f"y-{i:04}") for i in range(n)))


async def test_a_blast_is_planned_and_released_in_slices(every_pause_yields: None) -> None:
    s = Scheduler(chunk=1000)
    await blast(s, 600)
    before = pauses()
    await s.plan(push_request("y-blast", {"all": True}, category="marketing"))
    planned = pauses()
    assert await s.release() == 600
    assert planned - before >= 2  # 600 recipients in one chunk: three slices
    assert pauses() - planned >= 2
    assert len(s.sends("y-blast")) == 600


async def test_a_critical_push_is_planned_and_released_without_pausing(
    every_pause_yields: None,
) -> None:
    s = Scheduler(chunk=1000)
    await blast(s, 600)
    before = pauses()
    with critical_lane():
        await s.plan(push_request("y-alert", {"all": True}, category="alert"))
        assert await s.release() == 600
    assert pauses() == before
