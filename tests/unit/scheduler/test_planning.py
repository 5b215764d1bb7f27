"""Planning on fakes of the storage ports: counts first, streaming chunks, resumes, cancels."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import pytest

from herald.contracts import Engagement, Topic
from herald.contracts.internal import CancelRequested
from herald.runtime.events import Value
from herald.scheduler.domain.model import PlanState
from tests.support.fakes import FakeEventBus
from tests.support.scheduler import push_request, recipient
from tests.unit.scheduler.fakes import State
from tests.unit.scheduler.harness import NOW, Scheduler, policies


@dataclass
class StatusWatch(FakeEventBus):
    """Notes how many timers existed whenever a status went out."""

    state: State = field(default_factory=State)
    timers_at_status: list[int] = field(default_factory=list)

    async def publish(
        self, topic: Topic, key: str, value: Value, headers: dict[str, str] | None = None
    ) -> None:
        if topic == Topic.STATUS:
            self.timers_at_status.append(len(self.state.timers))
        await super().publish(topic, key, value, headers)


async def test_scheduled_counts_by_reason_come_before_any_timer() -> None:
    watch = StatusWatch()
    s = Scheduler(events=watch)
    watch.state = s.state
    await s.add(
        recipient("u-1"),
        recipient("u-2"),
        recipient("u-3", consent={"marketing": False}),
        recipient("u-4", contacts={}),
        recipient("u-5", tags=["other"]),
    )
    await s.plan(push_request("r-1", {"segment": {"tags_all": ["vip"]}}))
    [scheduled] = s.statuses("r-1")
    assert scheduled["status"] == "scheduled"
    assert (scheduled["counts"]["recipients"], scheduled["counts"]["suppressed"]) == (4, 2)
    assert {r["code"]: r["detail"]["recipients"] for r in scheduled["reasons"]} == {
        "no_contact": 1,
        "opted_out": 1,
    }
    assert watch.timers_at_status == [0]
    assert sorted(t.recipient_id for t in s.state.timers.values()) == ["u-1", "u-2"]
    assert {o["reason"] for o in s.outcomes("r-1")} == {"no_contact", "opted_out"}
    assert s.state.plans[("acme", "r-1")].state == PlanState.SCHEDULED


async def test_a_redelivered_request_is_planned_once() -> None:
    s = Scheduler()
    await s.add(recipient("a-1"), recipient("a-2"), recipient("a-3"))
    req = push_request("r-2", {"all": True})
    await s.plan(req)
    await s.plan(req)
    assert len(s.state.timers) == 3
    assert len(s.statuses("r-2")) == 1


async def test_a_crash_mid_expansion_resumes_after_the_last_committed_chunk() -> None:
    s = Scheduler(chunk=2)
    await s.add(*[recipient(f"m-{i}") for i in range(5)])
    req = push_request("r-3", {"all": True})
    s.state.crash_in(3)  # announcing, the first chunk, then the second chunk fails
    with pytest.raises(RuntimeError):
        await s.plan(req)
    assert sorted(t.recipient_id for t in s.state.timers.values()) == ["m-0", "m-1"]
    await s.plan(req)  # the redelivery
    assert sorted(t.recipient_id for t in s.state.timers.values()) == [f"m-{i}" for i in range(5)]
    assert [st["status"] for st in s.statuses("r-3")] == ["scheduled"]
    assert s.state.plans[("acme", "r-3")].complete


async def test_a_cancel_before_the_request_ends_it_cancelled_with_no_recipients() -> None:
    s = Scheduler()
    await s.add(recipient("c-1"))
    await s.canceller.cancel(CancelRequested(tenant="acme", request_id="r-4", by="x", at=NOW))
    await s.plan(push_request("r-4", {"all": True}))
    [st] = s.statuses("r-4")
    assert (st["status"], st["counts"]["recipients"]) == ("cancelled", 0)
    assert not s.state.timers
    assert not s.outcomes("r-4")


async def test_a_cancel_between_chunks_turns_the_rest_into_cancelled_outcomes() -> None:
    s = Scheduler(chunk=2)
    await s.add(*[recipient(f"s-{i}") for i in range(4)])
    req = push_request("r-5", {"all": True})
    s.state.crash_in(3)
    with pytest.raises(RuntimeError):
        await s.plan(req)
    await s.canceller.cancel(CancelRequested(tenant="acme", request_id="r-5", by="x", at=NOW))
    await s.plan(req)  # the redelivery finds the plan cancelled
    assert not s.state.timers
    assert sorted(o["recipient_id"] for o in s.outcomes("r-5")) == [f"s-{i}" for i in range(4)]
    assert {o["outcome"] for o in s.outcomes("r-5")} == {"cancelled"}


async def test_quiet_hours_past_expiry_end_expired_at_planning_with_the_reason() -> None:
    s = Scheduler(policies(quiet_hours={"start": "11:00", "end": "18:00"}))
    await s.add(recipient("x-1"))
    soon = {"expires_at": (NOW + timedelta(hours=1)).isoformat()}
    await s.plan(push_request("r-6", {"all": True}, schedule=soon))
    [o] = s.outcomes("r-6")
    assert (o["outcome"], o["deferred"]) == ("expired", ["quiet_hours_deferred"])
    assert not s.state.timers


async def test_send_time_optimisation_moves_a_send_to_the_most_engaged_hour() -> None:
    s = Scheduler()
    await s.add(recipient("o-1"), recipient("o-2"))
    await s.plan(push_request("seed", {"all": True}, category="notification"))
    await s.release()
    did = next(x["delivery_id"] for x in s.sends("seed") if x["recipient_id"] == "o-1")
    opened = [
        Engagement(event_id=f"e-{i}", delivery_id=did, kind="opened", at=NOW.replace(hour=19))
        for i in range(3)  # the default minimum of evidence
    ]
    await s.engagement.record(opened)
    window = {"expires_at": (NOW + timedelta(hours=20)).isoformat(), "optimise": True}
    await s.plan(push_request("opt", {"all": True}, schedule=window, category="notification"))
    assert s.timer("o-1").due_at == NOW.replace(hour=19)
    assert s.timer("o-2").due_at == NOW


async def test_a_recipients_own_quiet_hours_hold_their_send() -> None:
    s = Scheduler(policies(quiet_hours={"start": "22:00", "end": "08:00"}))
    await s.add(recipient("q-1", quiet_hours={"start": "11:00", "end": "13:30"}), recipient("q-2"))
    await s.plan(push_request("q", {"all": True}))
    assert s.timer("q-1").due_at == datetime.fromisoformat("2026-11-27T13:30:00+08:00")
    assert s.timer("q-1").deferred == ("quiet_hours_deferred",)
    assert s.timer("q-2").due_at == NOW


async def test_recipients_of_one_chunk_are_each_held_by_their_own_zones_quiet_hours() -> None:
    """04:00 UTC: noon in Shanghai, 23:00 the evening before in New York (quiet)."""
    s = Scheduler(policies(quiet_hours={"start": "22:00", "end": "08:00"}))
    ny = {"timezone": "America/New_York"}
    await s.add(recipient("z-1"), recipient("z-2", **ny), recipient("z-3"), recipient("z-4", **ny))
    await s.plan(push_request("z", {"all": True}))
    assert s.timer("z-1").due_at == s.timer("z-3").due_at == NOW
    assert s.timer("z-2").due_at == s.timer("z-4").due_at == NOW.replace(hour=13)  # 08:00 EST
    assert s.timer("z-4").deferred == ("quiet_hours_deferred",)
