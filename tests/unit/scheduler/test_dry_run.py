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
