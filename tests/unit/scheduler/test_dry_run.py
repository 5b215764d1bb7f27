"""The dry run on fakes of the storage ports: counts, deferrals, caps as usage stands, samples."""

from datetime import datetime, timedelta

from herald.scheduler.domain.caps import ALL, Usage
from tests.support.scheduler import push_request, recipient
from tests.unit.scheduler.harness import NOW, Scheduler, policies

NIGHT = {"start": "11:00", "end": "14:00"}  # 12:00 in Shanghai is inside


async def test_suppression_deferral_and_spread_are_predicted_and_nothing_is_kept() -> None:
    s = Scheduler(policies(quiet_hours=NIGHT))
    await s.add(
        recipient("a"),
        recipient("b", timezone="UTC"),
        recipient("c", consent={"marketing": False}),
    )
    answer = await s.dry_run.run(push_request("d-1", {"recipients": ["a", "b", "c", "ghost"]}))
    assert (answer["audience"], answer["reachable"], answer["would_send"]) == (4, 2, 2)
    assert answer["would_send_by_channel"] == {"app_push": 2}  # each pays its first channel
    assert answer["suppressed"] == {"no_contact": 1, "opted_out": 1, "frequency_capped": 0}
    assert answer["deferred"]["quiet_hours_deferred"] == 1  # 04:00 in UTC is not quiet
    first, last = (datetime.fromisoformat(answer["spread"][k]) for k in ("first", "last"))
    assert (first, last) == (NOW, datetime.fromisoformat("2026-11-27T14:00:00+08:00"))
    assert answer["sampled"] is False
    assert not s.state.plans
    assert not s.events.published


async def test_caps_count_as_usage_stands_and_past_expiry_are_suppressed() -> None:
    s = Scheduler(policies(caps={"all": {"per_day": 1}}))
    await s.add(recipient("fresh"), recipient("used"))
    s.state.caps[("acme", "used")] = {ALL: Usage(NOW.date(), 1, NOW)}
    audience = {"recipients": ["fresh", "used"]}
    answer = await s.dry_run.run(push_request("d-2", audience))
    assert (answer["deferred"]["frequency_capped"], answer["would_send"]) == (1, 2)
    soon = {"expires_at": (NOW + timedelta(hours=1)).isoformat()}
    answer = await s.dry_run.run(push_request("d-3", audience, schedule=soon))
    assert (answer["suppressed"]["frequency_capped"], answer["would_send"]) == (1, 1)
    assert s.state.caps[("acme", "used")][ALL].sent == 1


async def test_a_large_audience_is_timed_on_a_sample_and_scaled_up() -> None:
    s = Scheduler(sample=20)
    await s.add(*[recipient(f"u-{i:03}") for i in range(100)])
    answer = await s.dry_run.run(push_request("d-4", {"all": True}))
    assert answer["sampled"] is True
    assert 0 < answer["timed"] <= 22
    assert answer["would_send"] == 100
    assert sum(answer["would_send_by_channel"].values()) == 100
    assert "sample" in answer["note"]


async def test_the_cost_is_counted_on_the_channel_each_recipient_would_get() -> None:
    s = Scheduler(policies())
    sms_only = {"phone": "+8613800000001"}
    await s.add(
        recipient("p"), recipient("q", contacts=sms_only), recipient("r", contacts=sms_only)
    )
    answer = await s.dry_run.run(push_request("d-5", {"recipients": ["p", "q", "r"]}))
    assert answer["would_send_by_channel"] == {"app_push": 1, "sms": 2}


def at(answer: dict[str, object], *path: str) -> datetime:
    value: object = answer
    for key in path:
        assert isinstance(value, dict)
        value = value[key]
    assert isinstance(value, str)
    return datetime.fromisoformat(value)


async def paced_with_backlog(backlog: int, *, ours: int) -> Scheduler:
    """10 app pushes a second; `backlog` sends of another request already queued."""
    s = Scheduler(policies(rates={"app_push": 10}))
    await s.add(*[recipient(f"q-{i:03}") for i in range(backlog)])
    await s.add(*[recipient(f"o-{i:03}") for i in range(ours)])
    await s.plan(push_request("queued", {"recipients": [f"q-{i:03}" for i in range(backlog)]}))
    return s


async def test_a_paced_lane_with_a_backlog_says_when_the_last_send_goes() -> None:
    s = await paced_with_backlog(50, ours=5)
    request = push_request("mine", {"recipients": [f"o-{i:03}" for i in range(5)]})

    answer = await s.dry_run.run(request)

    # 10 saved tokens go at once, then 10 a second: the backlog's 50 end at +4 s, ours follow
    [lane] = answer["pacing"]["lanes"]
    assert (lane["channel"], lane["rate"], lane["backlog"], lane["ahead"]) == (
        "app_push",
        10,
        50,
        50,
    )
    assert lane["sends"] == answer["would_send"] == 5
    last = at(answer, "pacing", "last_send")
    assert abs(last - (NOW + timedelta(seconds=4.5))) < timedelta(milliseconds=1)
    assert at(answer, "spread", "last") == last
    assert abs(at(lane, "first") - (NOW + timedelta(seconds=4.1))) < timedelta(milliseconds=1)

    # and releases every 0.1 s then do just that, to within one release step
    await s.plan(request)
    await s.release()
    while len(s.sends("mine")) < 5:
        s.clock.advance(seconds=0.1)
        await s.release()
    assert abs(s.clock() - last) <= timedelta(seconds=0.1)


async def test_sends_pacing_would_hold_past_their_expiry_are_counted_expired() -> None:
    s = await paced_with_backlog(50, ours=5)
    soon = {"expires_at": (NOW + timedelta(seconds=4.25)).isoformat()}
    request = push_request("late", {"recipients": [f"o-{i:03}" for i in range(5)]}, schedule=soon)

    answer = await s.dry_run.run(request)

    assert answer["would_send"] == 3
    assert answer["expired_by"] == {"timing": 0, "pacing": 2}
    assert answer["deferred"]["expired"] == 2
    assert answer["pacing"]["lanes"][0]["expired"] == 2


async def test_a_higher_priority_request_is_not_held_up_by_a_lower_backlog() -> None:
    s = await paced_with_backlog(50, ours=5)
    request = push_request(
        "urgent", {"recipients": [f"o-{i:03}" for i in range(5)]}, priority="high"
    )
    answer = await s.dry_run.run(request)
    assert at(answer, "pacing", "last_send") == NOW
    assert answer["pacing"]["lanes"][0]["ahead"] == 0


async def test_a_critical_request_is_paced_on_its_own_budget_not_the_backlogs() -> None:
    s = await paced_with_backlog(50, ours=5)
    request = push_request(
        "alert", {"recipients": [f"o-{i:03}" for i in range(5)]}, category="alert"
    )
    answer = await s.dry_run.run(request)
    [lane] = answer["pacing"]["lanes"]
    # the tenant's app_push rate paces the marketing lane only; no critical rate: unpaced
    assert (lane["channel"], lane["rate"], lane["backlog"]) == ("app_push", None, 0)
    assert at(answer, "pacing", "last_send") == NOW


async def test_caps_count_what_other_requests_will_have_sent_by_then() -> None:
    s = Scheduler(policies(caps={"all": {"per_day": 1}}))
    await s.add(recipient("busy"))
    in_an_hour = {"send_at": (NOW + timedelta(hours=1)).isoformat()}
    await s.plan(push_request("other", {"recipients": ["busy"]}, schedule=in_an_hour))
    audience = {"recipients": ["busy"]}

    later = {"send_at": (NOW + timedelta(hours=2)).isoformat()}
    answer = await s.dry_run.run(push_request("after", audience, schedule=later))
    assert answer["deferred"]["frequency_capped"] == 1
    midnight = datetime.fromisoformat("2026-11-28T00:00:00+08:00")  # the recipient's
    assert at(answer, "spread", "last") == midnight

    answer = await s.dry_run.run(push_request("before", audience))
    assert answer["deferred"]["frequency_capped"] == 0  # it goes first: the other waits
    assert at(answer, "spread", "last") == NOW


async def test_every_figure_says_whether_it_is_exact_or_extrapolated() -> None:
    s = Scheduler(sample=20)
    await s.add(*[recipient(f"e-{i:03}") for i in range(100)])
    big = await s.dry_run.run(push_request("big", {"all": True}))
    small = await s.dry_run.run(push_request("small", {"recipients": ["e-001", "e-002"]}))

    figures = big["figures"]
    assert {figures[k] for k in ("audience", "reachable", "suppressed.no_contact")} == {"exact"}
    assert figures["pacing.lanes[].backlog"] == "exact"
    for k in ("would_send", "deferred.quiet_hours_deferred", "spread.last", "pacing.last_send"):
        assert figures[k] == "extrapolated", k
    assert big["sample"] == {"timed": big["timed"], "reachable": 100, "share": big["timed"] / 100}
    assert set(small["figures"].values()) == {"exact"}
    assert small["sample"] is None
    assert set(small["figures"]) == set(figures)
