"""The critical lane in the scheduler: its own pacing budget, its own release loop and
its own topic, so a marketing backlog never stands before an alert."""

from herald.contracts import Topic
from herald.scheduler.domain.pacing import Bucket, budgets, channel_of, lane_for
from tests.support.scheduler import push_request, recipient
from tests.unit.scheduler.harness import NOW, Scheduler, policies


def test_a_critical_lane_is_paced_on_its_own_rate_never_the_channels() -> None:
    policy = policies(rates={"sms": 5}, critical_rates={"default": 50}).default
    assert policy.rate("sms") == 5
    assert policy.rate(lane_for("sms", critical=True)) == 50
    assert channel_of(lane_for("sms", critical=True)) == "sms"
    unpaced = policies(rates={"default": 5}).default
    assert unpaced.rate(lane_for("email", critical=True)) is None


def test_an_empty_marketing_bucket_leaves_the_critical_bucket_whole() -> None:
    empty = Bucket("acme", "app_push", 10.0, 0.0, NOW)
    full = Bucket("acme", lane_for("app_push", critical=True), 10.0, 10.0, NOW)
    bulk, critical = budgets([empty, full], NOW, 1000)
    assert (bulk.sends, critical.sends) == (0, 10)


async def backlogged() -> Scheduler:
    """App push paced at 10 a second on both lanes; 50 marketing sends queued first."""
    s = Scheduler(policies(rates={"app_push": 10}, critical_rates={"app_push": 10}))
    await s.add(*[recipient(f"m-{i:03}") for i in range(50)], recipient("a-1"))
    await s.plan(push_request("blast", {"recipients": [f"m-{i:03}" for i in range(50)]}))
    await s.plan(push_request("otp", {"recipients": ["a-1"]}, category="transactional"))
    return s


async def test_a_marketing_backlog_never_spends_the_critical_lanes_tokens() -> None:
    s = await backlogged()
    await s.releaser.release_once()
    # the marketing lane's 10 saved tokens go to 10 of its 50; the code has its own
    assert len(s.sends("blast")) == 10
    assert [x["recipient_id"] for x in s.sends("otp", Topic.SENDS_CRITICAL)] == ["a-1"]
    assert not s.sends("otp", Topic.SENDS)
    assert not s.sends("blast", Topic.SENDS_CRITICAL)
    assert all(t.recipient_id != "a-1" for t in s.state.timers.values())


async def test_the_critical_release_loop_takes_only_critical_timers_and_the_others_the_rest() -> (
    None
):
    s = await backlogged()
    assert await s.releaser.release_once(critical=True) == 1
    assert [x["request_id"] for x in s.sends()] == ["otp"]
    s.clock.advance(seconds=10)
    assert await s.releaser.release_once(critical=False) == 10
    assert await s.releaser.release_once(critical=True) == 0
    assert {x["request_id"] for x in s.sends()} == {"otp", "blast"}


async def test_a_critical_priority_marketing_push_takes_the_critical_lane() -> None:
    s = Scheduler()
    await s.add(recipient("p-1"))
    await s.plan(push_request("flash", {"all": True}, priority="critical"))
    assert s.timer("p-1").lane == lane_for("app_push", critical=True)
    await s.release()
    assert len(s.sends("flash", Topic.SENDS_CRITICAL)) == 1
