"""Review's Kafka path: decisions announced once, cancels, expiry, strikes (in memory)."""

import pytest
from faststream.kafka import TestKafkaBroker
from tests.support.fakes import FakeEventBus
from tests.unit.review.builders import envelope, push
from tests.unit.review.harness import Harness

from herald.contracts import Topic
from herald.review.domain import HumanDecision
from herald.review.policy import Ladder, Policy, StrikePolicy
from herald.runtime.events import Value

GAMBLING = {"body": "百家乐今晚开局"}
SHORTENER = {"body": "详情 https://bit.ly/x"}


@pytest.fixture
def h() -> Harness:
    return Harness()


async def test_clean_request_is_approved_and_passed_to_the_scheduler(h: Harness) -> None:
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, envelope(push("ok-1")))
    assert h.statuses("ok-1") == ["approved"]
    [passed] = h.approved("ok-1")
    assert passed["request"]["request_id"] == "ok-1"
    assert passed["trace_id"] == "trace-1"


async def test_blocked_request_is_rejected_with_reasons_and_never_passed_on(h: Harness) -> None:
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, envelope(push("bad-1", content=GAMBLING)))
    [status] = [p.json() for p in h.events.on(Topic.STATUS)]
    assert status["status"] == "rejected"
    assert status["reasons"][0]["code"] == "sensitive_content"
    assert status["reasons"][0]["detail"]["terms"] == ["百家乐"]
    assert h.approved("bad-1") == []


async def test_redelivered_request_makes_no_second_decision_audit_or_strike(h: Harness) -> None:
    env = envelope(push("bad-2", content=GAMBLING))
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, env, env)
    assert h.statuses("bad-2") == ["rejected"]
    assert len(h.repo.audit_log) == 1
    assert len(h.repo.strikes) == 2, "one for the requester, one for the department"


class FailingOnce(FakeEventBus):
    failed = False

    async def publish(
        self, topic: Topic, key: str, value: Value, headers: dict[str, str] | None = None
    ) -> None:
        if topic == Topic.APPROVED and not self.failed:
            self.failed = True
            raise OSError("broker went away")
        await super().publish(topic, key, value, headers)


async def test_crash_between_recording_and_passing_on_is_repaired_by_redelivery() -> None:
    h = Harness(events=FailingOnce())
    env = envelope(push("crash-1"))
    with pytest.raises(OSError, match="went away"):
        await h.reviewer.review(env)
    assert h.approved("crash-1") == []
    await h.reviewer.review(env)
    assert len(h.approved("crash-1")) == 1
    assert len(h.repo.audit_log) == 1


async def test_held_request_waits_then_a_human_approves_it(h: Harness) -> None:
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, envelope(push("hold-1", content=SHORTENER)))
    assert h.statuses("hold-1") == ["pending_review"]
    assert h.approved("hold-1") == []
    await h.reviewer.decide_by_human("acme", "hold-1", HumanDecision(True, "zhang.san", "ok"))
    assert h.statuses("hold-1") == ["pending_review", "approved"]
    assert len(h.approved("hold-1")) == 1
    assert [a.actor for a in h.repo.audit_log] == ["rules", "zhang.san"]


async def test_reviewer_rejection_says_reviewer_rejected_and_strikes(h: Harness) -> None:
    await h.reviewer.review(envelope(push("hold-2", content=SHORTENER)))
    await h.reviewer.decide_by_human("acme", "hold-2", HumanDecision(False, "zhang.san", "spam"))
    status = h.events.on(Topic.STATUS)[-1].json()
    assert status["status"] == "rejected"
    assert status["reasons"] == [
        {"code": "reviewer_rejected", "message": "spam", "detail": {}},
    ]
    assert ("acme:requester:li.wei", "warned") in h.standing_events()
    second = await h.reviewer.decide_by_human("acme", "hold-2", HumanDecision(True, "x", ""))
    assert second is None, "a decided request cannot be decided again"


async def test_cancel_of_a_pending_review_ends_it_cancelled(h: Harness) -> None:
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, envelope(push("c-1", content=SHORTENER)))
        await h.cancel(br, "c-1")
    assert h.statuses("c-1") == ["pending_review", "cancelled"]
    assert await h.reviewer.decide_by_human("acme", "c-1", HumanDecision(True, "z", "")) is None
    assert h.approved("c-1") == []


async def test_cancel_before_the_request_arrives_drops_it(h: Harness) -> None:
    async with TestKafkaBroker(h.broker) as br:
        await h.cancel(br, "c-2")
        assert h.statuses("c-2") == []
        await h.send(br, envelope(push("c-2")))
    assert h.statuses("c-2") == ["cancelled"]
    assert h.approved("c-2") == []


async def test_cancel_after_approval_is_left_to_the_scheduler(h: Harness) -> None:
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, envelope(push("c-3")))
        await h.cancel(br, "c-3")
    assert h.statuses("c-3") == ["approved"]


async def test_waiting_review_expires_after_the_configured_time(h: Harness) -> None:
    from datetime import timedelta

    await h.reviewer.review(envelope(push("exp-1", content=SHORTENER)))
    h.clock.advance(hours=23)
    assert await h.reviewer.expire(timedelta(hours=24)) == 0
    h.clock.advance(hours=2)
    assert await h.reviewer.expire(timedelta(hours=24)) == 1
    status = h.events.on(Topic.STATUS)[-1].json()
    assert (status["status"], status["reasons"][0]["code"]) == ("expired", "expired")


async def test_strikes_move_a_requester_up_the_ladder() -> None:
    ladder = Ladder(warned=1, restricted=2, banned=3)
    h = Harness(
        Policy(
            strikes=StrikePolicy(
                requester=ladder, department=Ladder(warned=10, restricted=20, banned=30)
            )
        )
    )
    for i in range(3):
        await h.reviewer.review(envelope(push(f"s-{i}", content=GAMBLING)))
    assert h.standing_events() == [
        ("acme:requester:li.wei", "warned"),
        ("acme:requester:li.wei", "restricted"),
        ("acme:requester:li.wei", "banned"),
    ]
    await h.violations.reinstate("acme", "requester", "li.wei", "boss")
    assert h.standing_events()[-1] == ("acme:requester:li.wei", "good")
    h.clock.advance(minutes=1)
    await h.reviewer.review(envelope(push("s-9", content=GAMBLING)))
    assert h.standing_events()[-1] == ("acme:requester:li.wei", "warned"), "old strikes forgotten"


async def test_strikes_outside_the_window_do_not_count() -> None:
    h = Harness(Policy(strikes=StrikePolicy(window_days=7, requester=Ladder(warned=2))))
    await h.reviewer.review(envelope(push("w-1", content=GAMBLING)))
    h.clock.advance(days=8)
    await h.reviewer.review(envelope(push("w-2", content=GAMBLING)))
    assert [s for s in h.standing_events() if "requester" in s[0]] == []


async def test_warned_requesters_marketing_goes_to_a_human(h: Harness) -> None:
    await h.reviewer.review(envelope(push("warn-1", content=GAMBLING)))
    await h.reviewer.review(envelope(push("warn-2", category="marketing")))
    assert h.statuses("warn-2") == ["pending_review"]


async def test_request_past_its_own_expiry_expires_while_waiting(h: Harness) -> None:
    from datetime import timedelta

    schedule = {"expires_at": (h.clock() + timedelta(hours=1)).isoformat()}
    await h.reviewer.review(envelope(push("exp-2", content=SHORTENER, schedule=schedule)))
    h.clock.advance(hours=2)
    assert await h.reviewer.expire(timedelta(days=7)) == 1
    assert h.statuses("exp-2") == ["pending_review", "expired"]


async def test_human_approval_interrupted_by_a_crash_is_announced_by_the_relay() -> None:
    from datetime import timedelta

    h = Harness(events=FailingOnce())
    await h.reviewer.review(envelope(push("relay-1", content=SHORTENER)))
    with pytest.raises(OSError, match="went away"):
        await h.reviewer.decide_by_human("acme", "relay-1", HumanDecision(True, "zhang.san"))
    await h.reviewer.relay(timedelta(seconds=30))
    assert h.approved("relay-1") == [], "too early: the reviewer's own call may still finish"
    h.clock.advance(minutes=1)
    await h.reviewer.relay(timedelta(seconds=30))
    assert len(h.approved("relay-1")) == 1
    await h.reviewer.relay(timedelta(seconds=30))
    assert len(h.approved("relay-1")) == 1, "announced once"


async def test_decisions_reasons_and_rule_hits_are_counted_once_per_request() -> None:
    from prometheus_client import CollectorRegistry

    registry = CollectorRegistry()
    h = Harness(registry=registry)
    env = envelope(push("m-1", content=GAMBLING))
    await h.reviewer.review(env)
    await h.reviewer.review(env)
    other = {"department": "ops", "user": "zhao.liu"}  # li.wei is warned by now
    await h.reviewer.review(envelope(push("m-2", requester=other)))

    def value(name: str, **labels: str) -> float | None:
        return registry.get_sample_value(name, labels)

    assert value("herald_review_decisions_total", outcome="rejected", by="rules") == 1
    assert value("herald_review_decisions_total", outcome="approved", by="rules") == 1
    assert (
        value(
            "herald_review_decision_reasons_total", outcome="rejected", reason="sensitive_content"
        )
        == 1
    )
    hits = {"rule": "sensitive_terms", "category": "gambling", "severity": "block"}
    assert value("herald_review_rule_hits_total", **hits) == 1
    assert value("herald_review_time_to_decision_seconds_count", by="rules") == 2


async def test_a_label_review_never_read_before_is_judged_and_named(h: Harness) -> None:
    # the text is clean as written; the label it renders is not
    body = {"body": "今晚 {{ labels.game }} 开局"}
    request = push("lab-1", content=body, labels={"game": "百家乐"})
    async with TestKafkaBroker(h.broker) as br:
        await h.send(br, envelope(request))
    [status] = [p.json() for p in h.events.on(Topic.STATUS)]
    assert status["status"] == "rejected"
    fields = {r["detail"]["field"] for r in status["reasons"]}
    assert fields == {"content.body", "labels.game"}
    assert h.approved("lab-1") == []
