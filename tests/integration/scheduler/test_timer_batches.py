"""Timers kept a batch per row (migration 007): what a release, a cancel and the
migration do to a batch, seen as sends, outcomes and the sends left waiting."""

import asyncio
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from herald.contracts import Engagement
from herald.contracts.internal import CancelRequested
from herald.runtime.db import migrate
from herald.scheduler.adapters.postgres import MIGRATIONS
from herald.scheduler.adapters.postgres.plans import kept
from herald.scheduler.domain.pacing import budgets
from herald.scheduler.domain.settlement import Deferral, Settlement
from tests.integration.scheduler.harness import Harness, policies
from tests.support.scheduler import envelope, push_request, recipient
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def _rows(h: Harness) -> int:
    return int(await h.pool.fetchval("SELECT count(*) FROM scheduler.timer_batches"))


async def _waiting(h: Harness) -> list[str]:
    found = await h.pool.fetch("SELECT recipient_id FROM scheduler.timers ORDER BY 1")
    return [r["recipient_id"] for r in found]


async def test_a_paced_batch_goes_out_in_parts_each_recipient_once(
    make: Callable[..., Any],
) -> None:
    h: Harness = await make(policies(rates={"app_push": 10}))
    ids = [f"pb-{i:02}" for i in range(25)]
    await h.add(*[recipient(r) for r in ids])
    await h.plan(push_request("paced", {"all": True}))
    assert await _rows(h) == 1  # one chunk, one lane, one due time: one row
    assert await h.release() == 10
    assert await _rows(h) == 1
    assert len(await _waiting(h)) == 15
    for _ in range(2):
        h.clock.advance(seconds=1)
        await h.release()
    sent = [s["recipient_id"] for s in h.sends("paced")]
    assert sorted(sent) == ids
    assert await _rows(h) == 0


async def test_a_capped_recipient_moves_to_a_row_of_its_own_and_the_rest_go(
    make: Callable[..., Any],
) -> None:
    h: Harness = await make(policies(caps={"all": {"per_day": 1}}))
    await h.add(*[recipient(f"cb-{i}") for i in range(3)])
    await h.plan(push_request("first", {"recipients": ["cb-1"]}))
    await h.plan(push_request("second", {"all": True}))
    await h.release()
    assert sorted(s["recipient_id"] for s in h.sends("second")) == ["cb-0", "cb-2"]
    assert await _waiting(h) == ["cb-1"]
    assert await _rows(h) == 1
    timer = await h.timer("cb-1")
    assert timer is not None
    assert timer["deferred"] == ["frequency_capped"]


async def test_a_cancel_waiting_on_a_release_also_stops_what_it_deferred(h: Harness) -> None:
    """A release holds a row and defers its send to a new row; a cancel arriving then
    waits for it, and still finds the deferred send: nothing of the request is left."""
    await h.add(recipient("cx-1"), recipient("cx-2"))
    await h.plan(push_request("cx", {"all": True}))
    later = h.clock() + timedelta(hours=1)
    async with h.stores.timers.claim() as claim:
        lanes = budgets(await claim.lock_lanes(), h.clock(), 100)
        due = await claim.take_due(lanes, h.clock(), 100)
        assert len(due) == 2
        cancel = asyncio.create_task(h.canceller.cancel(_cancel("cx")))
        await eventually(lambda: _blocked(h), what="the cancel waits on the claimed row")
        deferred = [Deferral(d.delivery_id, later, ("frequency_capped",)) for d in due]
        await claim.settle(Settlement(deferrals=deferred), h.clock())
    await cancel
    assert await _rows(h) == 0
    stopped = h.outcomes("cx")
    assert sorted(o["recipient_id"] for o in stopped) == ["cx-1", "cx-2"]
    assert {o["outcome"] for o in stopped} == {"cancelled"}


async def test_migration_converts_waiting_and_released_timers(
    database_url: str, make: Callable[..., Any], tmp_path: Path
) -> None:
    """Rows of the per-recipient tables before 007 are released after it, once each, and
    engagement still finds who a released delivery went to."""
    for f in sorted(MIGRATIONS.glob("*.sql"))[:6]:
        shutil.copy(f, tmp_path / f.name)
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=1)
    try:
        await migrate(pool, "scheduler", tmp_path)
        await pool.execute(
            """INSERT INTO scheduler.timers (delivery_id, tenant, request_id, recipient_id,
                   due_at, priority, lane, ready)
               SELECT 'd-' || i, 'acme', 'old', 'mo-' || i, '2026-11-27T00:00:00Z', 1,
                      'app_push', true
               FROM generate_series(1, 5) AS i"""
        )
        await pool.execute("INSERT INTO scheduler.lanes (tenant, lane) VALUES ('acme', 'app_push')")
        await pool.execute(
            """INSERT INTO scheduler.released (delivery_id, tenant, recipient_id, released_at)
               VALUES ('d-0', 'acme', 'mo-0', now())"""
        )
    finally:
        await pool.close()
    h: Harness = await make()  # applies 007
    await h.add(*[recipient(f"mo-{i}") for i in range(6)])
    await h.pool.execute(
        """INSERT INTO scheduler.plans (tenant, request_id, state, envelope, complete)
           VALUES ('acme', 'old', 'scheduled', $1, true)""",
        _kept_envelope(h),
    )
    assert await _rows(h) == 1
    assert await h.release() == 5
    assert sorted(s["recipient_id"] for s in h.sends("old")) == [f"mo-{i}" for i in range(1, 6)]
    assert await h.release() == 0
    released = await h.pool.fetch("SELECT delivery_id FROM scheduler.released ORDER BY 1")
    assert [r["delivery_id"] for r in released] == [f"d-{i}" for i in range(6)]
    await h.engagement.record([_opened("e-0", "d-0", h), _opened("e-3", "d-3", h)])
    engaged = await h.pool.fetch("SELECT recipient_id FROM scheduler.engagement ORDER BY 1")
    assert [r["recipient_id"] for r in engaged] == ["mo-0", "mo-3"]


def _kept_envelope(h: Harness) -> dict[str, Any]:
    return kept(envelope(push_request("old", {"all": True}), h.clock()))


def _opened(event_id: str, delivery_id: str, h: Harness) -> Engagement:
    return Engagement(event_id=event_id, delivery_id=delivery_id, kind="opened", at=h.clock())


def _cancel(rid: str) -> CancelRequested:
    return CancelRequested(tenant="acme", request_id=rid, by="li.wei", at=datetime.now(UTC))


async def _blocked(h: Harness) -> bool:
    return bool(
        await h.pool.fetchval(
            """SELECT count(*) FROM pg_stat_activity
               WHERE datname = current_database() AND wait_event_type = 'Lock'"""
        )
    )


async def test_two_claims_on_one_lane_take_different_batches(make: Callable[..., Any]) -> None:
    """The first claim holds the most urgent row; the second looks past it."""
    h: Harness = await make(batch=2)
    await h.add(*[recipient(f"tc-{i}") for i in range(4)])
    await h.plan(push_request("tc-a", {"recipients": ["tc-0", "tc-1"]}))
    await h.plan(push_request("tc-b", {"recipients": ["tc-2", "tc-3"]}))
    now = h.clock()
    async with h.stores.timers.claim() as first:
        mine = await first.take_due(budgets(await first.lock_lanes(), now, 2), now, 2)
        async with h.stores.timers.claim() as second:
            theirs = await second.take_due(budgets(await second.lock_lanes(), now, 2), now, 2)
    assert {d.timer.request_id for d in mine} == {"tc-a"}
    assert {d.timer.request_id for d in theirs} == {"tc-b"}
