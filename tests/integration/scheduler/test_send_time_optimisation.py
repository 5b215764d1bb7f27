"""Send-time optimisation on the real Postgres (and as a service on the broker): each
recipient's best local hour, recent events weighing more, a minimum of evidence,
engagement per tenant, and pruning that keeps what a long window reads."""

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
import pytest

from herald.contracts import Engagement
from herald.scheduler.domain.timing import optimised
from herald.scheduler.engagement import prune_once
from herald.scheduler.main import create_app
from tests.integration.scheduler.harness import Harness, approve, payloads, policies, settings
from tests.support.kafka import TopicWatcher, produce
from tests.support.scheduler import push_request, recipient
from tests.support.service import create_topics, new_prefix, running
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def seeded(h: Harness, rid: str, tenant: str = "acme") -> str:
    """A released delivery to `rid` (engagement is kept for our own deliveries only)."""
    request = push_request(
        f"seed-{rid}", {"recipients": [rid]}, category="notification", tenant=tenant
    )
    await h.plan(request)
    await h.release()
    [send] = [s for s in h.sends(f"seed-{rid}") if s["tenant"] == tenant]
    return str(send["delivery_id"])


async def engage(h: Harness, did: str, times: list[datetime], tag: str = "") -> None:
    await h.engagement.record(
        [
            Engagement(event_id=f"e{tag}-{did}-{i}", delivery_id=did, kind="opened", at=t)
            for i, t in enumerate(times)
        ]
    )


async def optimise(h: Harness, rid: str, hours: int = 24, tenant: str = "acme") -> datetime:
    window = {"expires_at": (h.clock() + timedelta(hours=hours)).isoformat(), "optimise": True}
    req = push_request(
        f"opt-{rid}", {"recipients": [rid]}, schedule=window, tenant=tenant, category="notification"
    )
    await h.plan(req)
    row = await h.pool.fetchrow(
        "SELECT due_at FROM scheduler.timers WHERE request_id = $1 AND tenant = $2",
        f"opt-{rid}",
        tenant,
    )
    assert row is not None
    return row["due_at"]  # type: ignore[no-any-return]


async def test_the_best_hour_is_local_and_survives_a_dst_change(make: Callable[..., Any]) -> None:
    h: Harness = await make(policies(optimise_days=60))
    await h.add(recipient("ny-1", timezone="America/New_York"))
    did = await seeded(h, "ny-1")
    # 08:10 in New York: 12:10 UTC in October (EDT), 13:10 UTC in November (EST)
    await engage(
        h, did, [at("2026-10-26T12:10:00+00:00"), at("2026-10-27T12:10:00+00:00"),
                 at("2026-11-20T13:10:00+00:00"), at("2026-11-21T13:10:00+00:00")],
    )  # fmt: skip
    # a UTC histogram would tie 12 and 13 and pick 12 (07:00 in New York)
    assert await optimise(h, "ny-1") == at("2026-11-27T08:00:00-05:00")


async def test_a_recent_habit_outweighs_an_older_one(make: Callable[..., Any]) -> None:
    h: Harness = await make(policies(optimise_half_life_days=7))
    await h.add(recipient("dc-1"))  # Asia/Shanghai
    did = await seeded(h, "dc-1")
    old = [at(f"2026-11-0{d}T09:00:00+08:00") for d in (2, 3, 4, 5)]
    recent = [at("2026-11-25T21:00:00+08:00"), at("2026-11-26T21:30:00+08:00")]
    await engage(h, did, old + recent)
    assert await optimise(h, "dc-1") == at("2026-11-27T21:00:00+08:00")


async def test_too_little_evidence_keeps_the_requested_time(make: Callable[..., Any]) -> None:
    h: Harness = await make(policies(optimise_min_events=3))
    await h.add(recipient("ev-1"), recipient("ev-2"))
    for rid, n in (("ev-1", 2), ("ev-2", 3)):
        did = await seeded(h, rid)
        await engage(h, did, [at(f"2026-11-2{d}T18:00:00+08:00") for d in range(n)])
    assert await optimise(h, "ev-1") == h.clock()
    assert await optimise(h, "ev-2") == at("2026-11-27T18:00:00+08:00")


async def test_one_event_id_in_two_tenants_counts_in_both(make: Callable[..., Any]) -> None:
    h: Harness = await make(policies(optimise_min_events=1))
    await h.add(recipient("pt-1"), recipient("pt-1", tenant="globex"))
    acme, globex = await seeded(h, "pt-1"), await seeded(h, "pt-1", "globex")
    same = "shared-event-id"
    for did, hour in ((acme, "15"), (globex, "17")):
        event = Engagement(
            event_id=same, delivery_id=did, kind="clicked", at=at(f"2026-11-26T{hour}:00:00+08:00")
        )
        await h.engagement.record([event])
    kept = await h.pool.fetchval(
        "SELECT count(*) FROM scheduler.engagement WHERE event_id = $1", same
    )
    assert kept == 2
    assert await optimise(h, "pt-1") == at("2026-11-27T15:00:00+08:00")
    assert await optimise(h, "pt-1", tenant="globex") == at("2026-11-27T17:00:00+08:00")


async def test_pruning_keeps_what_a_tenants_window_reads(make: Callable[..., Any]) -> None:
    long = policies(optimise_min_events=1).model_copy(
        update={"tenants": {"globex": policies(optimise_days=90, optimise_min_events=1).default}}
    )
    h: Harness = await make(long)
    await h.add(recipient("pr-1"), recipient("pr-1", tenant="globex"))
    acme, globex = await seeded(h, "pr-1"), await seeded(h, "pr-1", "globex")
    sixty_days_ago = at("2026-09-28T16:00:00+08:00")
    await engage(h, acme, [sixty_days_ago])
    await engage(h, globex, [sixty_days_ago])
    # released rows are dated by the (fake) clock: make them as old as the events
    await h.pool.execute(
        "UPDATE scheduler.released_batches SET released_at = $1 WHERE 'pr-1' = ANY(recipient_ids)",
        sixty_days_ago,
    )
    await prune_once(h.engagement, long, keep_days=35, now=h.clock())
    for table in ("engagement", "released"):
        left = await h.pool.fetch(
            f"SELECT tenant FROM scheduler.{table} WHERE recipient_id = 'pr-1'"
        )
        assert [r["tenant"] for r in left] == ["globex"], table
    assert await optimise(h, "pr-1", tenant="globex") == at("2026-11-27T16:00:00+08:00")


async def test_service_learns_the_hour_from_engagement_on_the_broker(
    kafka: str, database_url: str, uid: str
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    sends = await TopicWatcher(kafka, prefix + "push.sends.v1").start()
    rid = f"so{uid}"
    policy = json.dumps({"default": {"optimise_min_events": 3, "timezone": "UTC"}})
    app = create_app(settings(kafka, database_url, prefix, scheduler_policy_json=policy))
    try:
        async with running(app):
            who = recipient(rid)  # Asia/Shanghai
            await produce(
                kafka, prefix + "push.recipients.v1", [(rid, who.model_dump_json().encode())]
            )
            conn = await asyncpg.connect(database_url)
            try:
                await eventually(
                    lambda: conn.fetchval(
                        "SELECT count(*) = 1 FROM scheduler.recipients WHERE recipient_id = $1", rid
                    ),
                    what="the recipient",
                )
                now = datetime.now(UTC)
                seed = push_request(f"seed-{uid}", {"recipients": [rid]}, category="notification")
                await approve(kafka, prefix, seed, now)
                [send] = await eventually(lambda: payloads(sends.seen), what="the seed send")
                zone = ZoneInfo("Asia/Shanghai")
                habit = (now.astimezone(zone) + timedelta(hours=5)).hour
                days = [now - timedelta(days=d) for d in (1, 2, 3)]
                events = [
                    Engagement(
                        event_id=f"e-{uid}-{i}",
                        delivery_id=send["delivery_id"],
                        kind="read",
                        at=d.astimezone(zone).replace(hour=habit, minute=5),
                        tenant="acme",
                    )
                    for i, d in enumerate(days)
                ]
                await produce(
                    kafka,
                    prefix + "push.engagement.v1",
                    [(e.delivery_id, e.model_dump_json().encode()) for e in events],
                )
                await eventually(
                    lambda: conn.fetchval(
                        "SELECT count(*) = 3 FROM scheduler.engagement WHERE recipient_id = $1", rid
                    ),
                    what="the engagement kept",
                )
                ends = now + timedelta(hours=20)
                window = {"expires_at": ends.isoformat(), "optimise": True}
                opt = push_request(
                    f"opt-{uid}", {"recipients": [rid]}, schedule=window, category="notification"
                )
                await approve(kafka, prefix, opt, now)
                due = await eventually(
                    lambda: conn.fetchval(
                        "SELECT due_at FROM scheduler.timers WHERE request_id = $1", f"opt-{uid}"
                    ),
                    what="the optimised timer",
                )
                assert due.astimezone(zone).hour == habit
                assert due == optimised(due - timedelta(hours=5), ends, habit, zone)
            finally:
                await conn.close()
    finally:
        await sends.stop()
