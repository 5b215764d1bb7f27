from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from herald.scheduler.domain.policy import Policies
from tests.integration.scheduler.harness import Harness
from tests.support.scheduler import Clock

START = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@pytest.fixture
def clock() -> Clock:
    return Clock(START)


@pytest.fixture
async def make(database_url: str, clock: Clock) -> AsyncIterator[Callable[..., Any]]:
    made: list[Harness] = []

    async def build(policies: Policies | None = None, **kw: Any) -> Harness:
        h = await Harness(clock, policies or Policies(), **kw).start(database_url)
        h.url = database_url
        made.append(h)
        return h

    yield build
    for h in made:
        await h.stop()


@pytest.fixture
async def h(make: Callable[..., Any]) -> Harness:
    harness: Harness = await make()
    return harness
