"""Each timing rule on the real Postgres, with a settable clock (no real waiting)."""

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from herald.contracts import Engagement
from tests.integration.scheduler.harness import Harness, policies
from tests.support.scheduler import push_request, recipient

pytestmark = pytest.mark.integration
QUIET = {"start": "22:00", "end": "08:00"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


async def test_quiet_hours_defer_marketing_to_the_window_end(make: Callable[..., Any]) -> None:
    h: Harness = await make(policies(quiet_hours=QUIET))
    await h.add(recipient("q-1"))
    when = {"send_at": "2026-11-27T23:00:00+08:00"}
    await h.plan(push_request("m", {"all": True}, schedule=when))
    await h.plan(push_request("t", {"all": True}, schedule=when, category="transactional"))
    h.clock.now = at("2026-11-27T23:00:00+08:00")
    await h.release()
    assert [s["request_id"] for s in h.sends()] == ["t"]
    h.clock.now = at("2026-11-28T07:59:59+08:00")
    assert await h.release() == 0
    h.clock.now = at("2026-11-28T08:00:00+08:00")
    await h.release()
    [held] = h.sends("m")
    assert held["deferred"] == ["quiet_hours_deferred"]
    assert at(held["due_at"]) == at("2026-11-28T08:00:00+08:00")


async def test_recipient_quiet_hours_override_the_tenant_default(make: Callable[..., Any]) -> None:
    h: Harness = await make(policies(quiet_hours=QUIET))
    await h.add(recipient("q-2", quiet_hours={"start": "11:00", "end": "13:30"}))
    await h.plan(push_request("m2", {"all": True}))  # now is 12:00 in Shanghai
    timer = await h.timer("q-2")
    assert timer is not None
    assert timer["due_at"] == at("2026-11-27T13:30:00+08:00")
    assert timer["deferred"] == ["quiet_hours_deferred"]


async def test_blackout_day_defers_marketing_to_the_next_allowed_day(
    make: Callable[..., Any],
) -> None:
    h: Harness = await make(
        policies(blackout={"dates": ["2026-11-27"], "ranges": [["2026-11-28", "2026-11-29"]]})
    )
    await h.add(recipient("b-1"))
    await h.plan(push_request("bm", {"all": True}))
    await h.plan(push_request("ba", {"all": True}, category="alert"))
    timer = await h.timer("b-1")
    assert timer is not None
    assert timer["due_at"] == at("2026-11-30T12:00:00+08:00")
    assert timer["deferred"] == ["blackout_deferred"]
    await h.release()
    assert [s["request_id"] for s in h.sends()] == ["ba"]


async def test_send_at_in_each_recipients_local_time(h: Harness) -> None:
    await h.add(
        recipient("l-sh"),
        recipient("l-ny", timezone="America/New_York"),
        recipient("l-none", timezone=None),
        recipient("l-bad", timezone="Mars/Olympus"),
    )
    when = {"send_at": "2026-11-27T20:00:00+08:00", "recipient_local_time": True}
    await h.plan(push_request("lt", {"all": True}, schedule=when, category="notification"))
    due = {r: (await h.timer(r) or {})["due_at"] for r in ("l-sh", "l-ny", "l-none", "l-bad")}
    assert due["l-sh"] == at("2026-11-27T12:00:00+00:00")
    assert due["l-ny"] == at("2026-11-28T01:00:00+00:00")
    assert due["l-none"] == due["l-bad"] == at("2026-11-27T20:00:00+00:00")  # tenant default UTC


async def test_frequency_cap_holds_across_two_replicas_and_days(make: Callable[..., Any]) -> None:
    caps = {"all": {"per_day": 3, "min_gap_minutes": 60}}
    a: Harness = await make(policies(caps=caps))
    b: Harness = await make(policies(caps=caps))
    await a.add(recipient("f-1"))
    for i in range(5):
        await a.plan(push_request(f"f{i}", {"all": True}))
    await asyncio.gather(a.release(), b.release())
    assert len(a.sends() + b.sends()) == 1
    for _ in range(3):
        a.clock.advance(minutes=60)
        await asyncio.gather(a.release(), b.release())
    sent = a.sends() + b.sends()
    assert len(sent) == 3  # 12:00, 13:00, 14:00 Shanghai; the cap is reached
    a.clock.now = at("2026-11-28T00:00:00+08:00")  # the next day in the recipient's zone
    await asyncio.gather(a.release(), b.release())
    late = [s for s in a.sends() + b.sends() if s not in sent]
    assert len(late) == 1
    assert late[0]["deferred"] == ["frequency_capped"]


async def test_over_the_cap_past_expiry_is_dropped_frequency_capped(
    make: Callable[..., Any],
) -> None:
    h: Harness = await make(policies(caps={"all": {"per_day": 1}}))
    await h.add(recipient("f-2"))
    expires = (h.clock() + timedelta(hours=2)).isoformat()
    await h.plan(push_request("g1", {"all": True}))
    await h.plan(push_request("g2", {"all": True}, schedule={"expires_at": expires}))
    await h.release()
    assert len(h.sends()) == 1
    [dropped] = h.outcomes()
    assert dropped["reason"] == "frequency_capped"
    assert dropped["outcome"] == "suppressed"


async def test_channel_cap_falls_back_to_the_next_channel(make: Callable[..., Any]) -> None:
    h: Harness = await make(policies(caps={"channels": {"app_push": {"per_day": 1}}}))
    await h.add(recipient("f-3"))
    await h.plan(push_request("h1", {"all": True}))
    await h.plan(push_request("h2", {"all": True}))
    await h.release()
    assert sorted(tuple(s["channels"]) for s in h.sends()) == [("app_push", "sms"), ("sms",)]


async def test_expired_timer_ends_expired(h: Harness) -> None:
    await h.add(recipient("x-1"))
    expires = (h.clock() + timedelta(hours=1)).isoformat()
    await h.plan(push_request("x", {"all": True}, schedule={"expires_at": expires}))
    h.clock.advance(hours=2)
    await h.release()
    assert not h.sends()
    [o] = h.outcomes("x")
    assert (o["outcome"], o["reason"]) == ("expired", "expired")


async def test_deferral_past_expiry_expires_at_planning_with_the_reason(
    make: Callable[..., Any],
) -> None:
    h: Harness = await make(policies(quiet_hours={"start": "11:00", "end": "18:00"}))
    await h.add(recipient("x-2"))
    expires = (h.clock() + timedelta(hours=1)).isoformat()
    await h.plan(push_request("x2", {"all": True}, schedule={"expires_at": expires}))
    [o] = h.outcomes("x2")
    assert o["outcome"] == "expired"
    assert o["deferred"] == ["quiet_hours_deferred"]
    assert h.statuses("x2")[0]["counts"]["recipients"] == 1


async def test_priority_goes_ahead_in_a_backlog(make: Callable[..., Any]) -> None:
    h: Harness = await make(batch=2)
    await h.add(*[recipient(f"p-{i}") for i in range(6)])
    await h.plan(push_request("low", {"all": True}, priority="low"))
    await h.plan(push_request("crit", {"recipients": ["p-3"]}, priority="critical"))
    await h.releaser.release_once()
    assert "crit" in [s["request_id"] for s in h.sends()]


async def test_rate_spreads_a_large_push(make: Callable[..., Any]) -> None:
    h: Harness = await make(policies(rates={"app_push": 10}))
    await h.add(*[recipient(f"r-{i:02}") for i in range(50)])
    await h.plan(push_request("rate", {"all": True}))
    assert await h.release() == 10
    assert await h.release() == 0
    h.clock.advance(seconds=1)
    assert await h.release() == 10
    h.clock.advance(seconds=0.5)
    assert await h.release() == 5


async def test_send_time_optimisation_moves_to_the_most_engaged_hour(h: Harness) -> None:
    await h.add(recipient("o-1"), recipient("o-2"))
    await h.plan(push_request("seed", {"all": True}, category="notification"))
    await h.release()
    dids = {s["recipient_id"]: s["delivery_id"] for s in h.sends("seed")}
    events = [
        Engagement(
            event_id=f"e-{i}",
            delivery_id=dids["o-1"],
            kind="opened",
            at=datetime(2026, 11, 20 + i % 3, 19, 5, tzinfo=UTC),
        )
        for i in range(3)
    ]
    await h.engagement.record([*events, events[0]])
    window = {"expires_at": (h.clock() + timedelta(hours=20)).isoformat(), "optimise": True}
    await h.plan(push_request("opt", {"all": True}, schedule=window, category="notification"))
    moved, same = await h.timer("o-1"), await h.timer("o-2")
    assert moved is not None and same is not None
    assert moved["due_at"] == at("2026-11-27T19:00:00+00:00")
    assert same["due_at"] == h.clock()
