"""A 100,000-recipient segment: streamed, and its first sends go before expansion ends."""

import asyncio
import time

import pytest

from tests.integration.scheduler.harness import Harness, copy_recipients
from tests.support.scheduler import push_request

pytestmark = pytest.mark.integration
N = 100_000


async def test_100k_segment_streams_and_every_recipient_gets_one_send(h: Harness) -> None:
    ids = [f"s-{i:06}" for i in range(N)]
    await copy_recipients(h.url, "acme", ids, ["vip"])
    await copy_recipients(h.url, "acme", [f"z-{i}" for i in range(100)], ["other"])
    seg = {"segment": {"tags_all": ["vip"]}}
    planning = asyncio.create_task(h.plan(push_request("big", seg, category="notification")))
    first = 0
    started = time.monotonic()
    while not first and time.monotonic() - started < 60:
        first = await h.releaser.release_once()
        await asyncio.sleep(0.01)
    assert first, "nothing released while expanding"
    assert not planning.done(), "the first sends should go before the last recipients expand"
    await planning
    [scheduled, dispatching] = h.statuses("big")
    assert scheduled["status"] == "scheduled"
    assert scheduled["counts"]["recipients"] == N
    assert dispatching["status"] == "dispatching"
    dids = {s["delivery_id"] for s in h.sends("big")}
    waiting = await h.pool.fetchval(
        "SELECT count(*) FROM scheduler.timers WHERE NOT delivery_id = ANY($1::text[])",
        list(dids),
    )
    assert len(dids) == len(h.sends("big"))
    assert waiting + len(dids) == N  # one timer or one send per recipient, none twice
