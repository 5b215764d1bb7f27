"""Planning on the real Postgres: streaming expansion, suppression, status order, cancels."""

import pytest

from herald.contracts import Recipient
from herald.contracts.internal import CancelRequested
from herald.scheduler.domain.model import PlanState, Timer
from tests.integration.scheduler.harness import Harness
from tests.support.scheduler import envelope, push_request, recipient

pytestmark = pytest.mark.integration


async def test_segment_is_scheduled_with_counts_by_reason_then_released(h: Harness) -> None:
    await h.add(
        recipient("u-1"),
        recipient("u-2", tags=["vip", "churned"]),
        recipient("u-3", consent={"marketing": False}),
        recipient("u-4", contacts={}),
        recipient("u-5", tags=["other"]),
    )
    seg = {"segment": {"tags_all": ["vip"], "tags_none": ["churned"]}}
    await h.plan(push_request("r-1", seg))
    [scheduled] = h.statuses("r-1")
    assert scheduled["status"] == "scheduled"
    assert scheduled["counts"]["recipients"] == 3
    assert scheduled["counts"]["suppressed"] == 2
    by = {r["code"]: r["detail"]["recipients"] for r in scheduled["reasons"]}
    assert by == {"opted_out": 1, "no_contact": 1}
    assert await h.release() == 1
    assert [s["status"] for s in h.statuses("r-1")] == ["scheduled", "dispatching"]
    [send] = h.sends("r-1")
    assert send["recipient_id"] == "u-1"
    assert send["channels"] == ["app_push", "sms"]
    assert {o["reason"] for o in h.outcomes("r-1")} == {"opted_out", "no_contact"}


async def test_explicit_recipients_unknown_to_the_directory_are_no_contact(h: Harness) -> None:
    await h.add(recipient("k-1"))
    await h.plan(push_request("r-2", {"recipients": ["k-1", "ghost", "k-1"]}, category="alert"))
    assert h.statuses("r-2")[0]["counts"]["recipients"] == 2
    [o] = h.outcomes("r-2")
    assert (o["recipient_id"], o["reason"]) == ("ghost", "no_contact")


async def test_redelivered_request_is_planned_once(h: Harness) -> None:
    await h.add(recipient("a-1"))
    req = push_request("r-3", {"all": True})
    await h.plan(req)
    await h.plan(req)
    await h.release()
    assert len(h.sends("r-3")) == 1
    assert len(h.statuses("r-3")) == 2


async def test_cancel_stops_unreleased_timers_with_one_outcome_each(h: Harness) -> None:
    await h.add(*[recipient(f"c-{i}") for i in range(5)])
    later = h.clock().replace(year=2027)
    req = push_request("r-4", {"all": True}, schedule={"send_at": later.isoformat()})
    await h.plan(req)
    event = CancelRequested(tenant="acme", request_id="r-4", by="li.wei", at=h.clock())
    await h.canceller.cancel(event)
    await h.canceller.cancel(event)  # redelivered
    h.clock.advance(days=400)
    assert await h.release() == 0
    kinds = sorted(o["outcome"] for o in h.outcomes("r-4"))
    assert kinds == ["cancelled"] * 5


async def test_cancel_before_the_request_ends_it_cancelled_with_no_recipients(h: Harness) -> None:
    await h.add(recipient("e-1"))
    await h.canceller.cancel(CancelRequested(tenant="acme", request_id="r-5", by="x", at=h.clock()))
    await h.plan(push_request("r-5", {"all": True}))
    [st] = h.statuses("r-5")
    assert st["status"] == "cancelled"
    assert st["counts"]["recipients"] == 0
    assert await h.release() == 0
    assert not h.outcomes("r-5")


async def test_tombstone_erases_and_a_later_profile_replaces(h: Harness) -> None:
    await h.add(recipient("t-1"), recipient("t-2"))
    await h.directory.apply([("acme", "t-1", None)])
    await h.add(recipient("t-2", tags=["new"]))
    rows = await h.pool.fetch("SELECT recipient_id, tags FROM scheduler.recipients")
    assert [(r["recipient_id"], r["tags"]) for r in rows] == [("t-2", ["new"])]


async def test_a_tenant_erases_and_replaces_only_its_own_recipients(h: Harness) -> None:
    await h.add(recipient("t-1"), recipient("t-2"))
    await h.directory.apply([("globex", "t-1", None)])
    await h.add(recipient("t-2", tenant="globex", tags=["theirs"]))
    rows = await h.pool.fetch(
        "SELECT tenant, recipient_id, tags FROM scheduler.recipients ORDER BY tenant, recipient_id"
    )
    assert [(r["tenant"], r["recipient_id"], r["tags"]) for r in rows] == [
        ("acme", "t-1", ["vip"]),
        ("acme", "t-2", ["vip"]),
        ("globex", "t-2", ["theirs"]),
    ]


async def test_dead_push_token_is_dropped_from_the_directory(h: Harness) -> None:
    from herald.contracts import Channel
    from herald.contracts.internal import ContactInvalidated

    await h.add(recipient("p-1"))
    dead = ContactInvalidated(
        tenant="acme",
        recipient_id="p-1",
        channel=Channel.APP_PUSH,
        contact="tk",
        reason="unregistered",
        at=h.clock(),
    )
    assert await h.directory.invalidate([dead]) == 1
    raw = await h.pool.fetchval("SELECT contacts FROM scheduler.recipients")
    assert (
        Recipient.model_validate(
            {"recipient_id": "p-1", "tenant": "acme", "contacts": raw}
        ).contacts.push_tokens
        == ()
    )


async def test_expansion_interrupted_midway_resumes_after_the_last_chunk(h: Harness) -> None:
    await h.add(*[recipient(f"m-{i:04}") for i in range(1200)])
    req = push_request("r-6", {"all": True}, schedule={"send_at": "2027-01-01T00:00:00+00:00"})
    real = h.planner._chunk_done
    done = 0

    async def crash_after_two(*args: object) -> str | None:
        nonlocal done
        if done == 2:
            raise RuntimeError("killed")
        done += 1
        return await real(*args)  # type: ignore[arg-type]

    h.planner._chunk_done = crash_after_two  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        await h.plan(req)
    assert await h.pool.fetchval("SELECT count(*) FROM scheduler.timers") == 1000
    h.planner._chunk_done = real  # type: ignore[method-assign]
    await h.plan(req)  # the redelivery
    assert (
        await h.pool.fetchval("SELECT count(DISTINCT recipient_id) FROM scheduler.timers") == 1200
    )
    assert await h.pool.fetchval("SELECT count(*) FROM scheduler.timers") == 1200
    assert [s["status"] for s in h.statuses("r-6")] == ["scheduled"]
    assert h.statuses("r-6")[0]["counts"]["recipients"] == 1200


async def test_social_channel_goes_to_recipients_with_a_wechat_openid(h: Harness) -> None:
    await h.add(
        recipient("w-1", contacts={"wechat_openid": "o-1", "phone": "+8613800000001"}),
        recipient("w-2", contacts={"phone": "+8613800000002"}),
        recipient("w-3", contacts={}),
    )
    ids = {"recipients": ["w-1", "w-2", "w-3"]}
    await h.plan(push_request("r-social", ids, category="notification", channels=["social", "sms"]))
    assert await h.release() == 2
    by = {s["recipient_id"]: s["channels"] for s in h.sends("r-social")}
    assert by == {"w-1": ["social", "sms"], "w-2": ["sms"]}
    [o] = h.outcomes("r-social")
    assert (o["recipient_id"], o["reason"]) == ("w-3", "no_contact")


async def test_a_chunk_of_a_plan_cancelled_meanwhile_adds_no_timers(h: Harness) -> None:
    """A single push's timers go in with the cursor's move (one statement): not when
    the plan was cancelled while its chunk was expanded, nor when another expander moved
    the cursor."""
    now = h.clock()
    plans = h.stores.plans
    for rid in ("x-1", "x-2", "x-3"):
        await plans.open(envelope(push_request(rid, {"recipients": ["u"]}), now))
    await h.pool.execute("UPDATE scheduler.plans SET state = 'cancelled' WHERE request_id = 'x-1'")
    await h.pool.execute("UPDATE scheduler.plans SET cursor = 'zz' WHERE request_id = 'x-2'")

    def timer(rid: str) -> Timer:
        return Timer(f"d-{rid}", "acme", rid, "u", now, None, 5, "alert", "app_push")

    found = {}
    for rid in ("x-1", "x-2", "x-3"):
        async with plans.transaction() as tx:
            found[rid] = await tx.advance(("acme", rid), "", "u", 1, last=True, timers=[timer(rid)])
    assert found == {"x-1": PlanState.CANCELLED, "x-2": None, "x-3": PlanState.EXPANDING}
    rows = await h.pool.fetch("SELECT request_id FROM scheduler.timer_batches")
    assert [r["request_id"] for r in rows] == ["x-3"]
