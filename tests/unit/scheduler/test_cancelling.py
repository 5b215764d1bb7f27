"""Cancelling on fakes of the storage ports: one `cancelled` outcome per unsent recipient."""

from datetime import timedelta

from herald.contracts.internal import CancelRequested
from herald.scheduler.domain.model import PlanState
from tests.support.scheduler import envelope, push_request, recipient
from tests.unit.scheduler.harness import NOW, Scheduler


def cancel(rid: str) -> CancelRequested:
    return CancelRequested(tenant="acme", request_id=rid, by="li.wei", at=NOW)


async def test_cancel_stops_unsent_timers_with_one_outcome_each_even_if_redelivered() -> None:
    s = Scheduler()
    await s.add(*[recipient(f"c-{i}") for i in range(3)])
    later = {"send_at": (NOW + timedelta(days=7)).isoformat()}
    await s.plan(push_request("r-1", {"all": True}, schedule=later))
    await s.canceller.cancel(cancel("r-1"))
    await s.canceller.cancel(cancel("r-1"))
    assert not s.state.timers
    assert sorted(o["recipient_id"] for o in s.outcomes("r-1")) == ["c-0", "c-1", "c-2"]
    assert {o["outcome"] for o in s.outcomes("r-1")} == {"cancelled"}
    s.clock.advance(days=8)
    assert await s.release() == 0


async def test_sent_recipients_are_not_cancelled() -> None:
    s = Scheduler()
    await s.add(recipient("d-1"))
    await s.plan(push_request("r-2", {"all": True}))
    await s.release()
    await s.canceller.cancel(cancel("r-2"))
    assert len(s.sends("r-2")) == 1
    assert not s.outcomes("r-2")


async def test_cancel_of_a_plan_not_yet_announced_is_left_to_the_planner() -> None:
    s = Scheduler()
    await s.plans.open(envelope(push_request("r-3", {"all": True}), NOW))
    await s.canceller.cancel(cancel("r-3"))
    assert s.state.plans[("acme", "r-3")].state == PlanState.CANCEL_REQUESTED
    assert not s.outcomes("r-3")
