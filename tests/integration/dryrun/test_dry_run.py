"""`POST /v1/requests?dry_run=true` end to end: intake in-process, review and the
scheduler on real ports, the real broker and Postgres. A dry run predicts what the real
path then does, and itself sends and stores nothing."""

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.integration.dryrun.harness import SAMPLE, DryRunStack, request_body
from tests.support.scheduler import recipient
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def statuses(stack: DryRunStack, rid: str) -> list[dict[str, Any]]:
    return [s.json() for s in stack.watch["status"].for_key(rid)]


async def test_clean_request_is_predicted_and_nothing_is_sent_or_stored(
    stack: DryRunStack, uid: str
) -> None:
    people = [
        recipient(f"u{uid}-a"),
        recipient(f"u{uid}-b"),
        recipient(f"u{uid}-out", consent={"marketing": False}),
        recipient(f"u{uid}-nopush", contacts={"phone": "+8613800000000"}),
    ]
    await stack.directory(people)
    rid = f"dry-{uid}"
    ids = [p.recipient_id for p in people] + [f"u{uid}-unknown"]
    body = request_body(rid, uid, {"recipients": ids})

    r = await stack.dry_run(body)

    assert r.status_code == 200, r.text
    answer = r.json()
    assert (answer["dry_run"], answer["valid"], answer["request_id"]) == (True, True, rid)
    assert answer["intake"] == {"outcome": "accepted", "reasons": []}
    assert answer["review"]["decision"] == "approved"
    assert answer["review"]["human_required"] is False
    plan = answer["schedule"]
    assert (plan["audience"], plan["reachable"], plan["would_send"]) == (5, 2, 2)
    assert plan["suppressed"] == {"no_contact": 2, "opted_out": 1, "frequency_capped": 0}
    assert set(plan["deferred"].values()) == {0}
    assert plan["sampled"] is False
    assert sum(h["sends"] for h in plan["spread"]["per_hour"]) == 2
    assert await stack.stored_anywhere(rid) == 0

    # The same id for real: a fresh request (no claim was stored), whose first status is
    # its own `accepted` (nothing was published on its key before), planned as predicted.
    real = await stack.intake.post("/v1/requests", json=body, headers=stack.as_())
    assert real.status_code == 202
    scheduled = await eventually(
        lambda: [s for s in statuses(stack, rid) if s["status"] == "scheduled"],
        what="the real run scheduled",
    )
    assert scheduled[0]["counts"]["recipients"] == plan["audience"]
    assert scheduled[0]["counts"]["suppressed"] == 3
    kinds = [s["status"] for s in statuses(stack, rid)]
    assert kinds[:3] == ["accepted", "approved", "scheduled"]
    for topic in ("accepted", "approved"):
        seen = await eventually(lambda t=topic: stack.watch[t].for_key(rid), what=topic)
        assert len(seen) == 1, topic
    again = await stack.dry_run(body)
    assert again.json()["intake"]["outcome"] == "duplicate"


async def test_rules_that_would_reject_are_listed_and_nothing_is_struck(
    stack: DryRunStack, uid: str
) -> None:
    rid = f"bad-{uid}"
    content = {"title": "今晚开局", "body": "百家乐今晚开局", "url": "https://bit.ly/x"}
    r = await stack.dry_run(request_body(rid, uid, {"recipients": ["nobody"]}, content=content))

    assert r.status_code == 200, r.text
    review = r.json()["review"]
    assert review["decision"] == "rejected"
    terms = [f for f in review["findings"] if f["code"] == "sensitive_content"]
    assert terms
    assert terms[0]["severity"] == "block"
    assert "百家乐" in terms[0]["evidence"]
    assert {f["field"] for f in terms} >= {"content.body"}
    assert all(f["message"] for f in review["findings"])
    link = next(f for f in review["findings"] if f["code"] == "unsafe_link")
    assert (link["field"], link["evidence"]) == ("content.url", "https://bit.ly/x")
    assert {x["code"] for x in review["reasons"]} >= {"sensitive_content", "unsafe_link"}
    assert r.json()["schedule"]["suppressed"]["no_contact"] == 1
    assert await stack.stored_anywhere(rid) == 0
    strikes = "SELECT count(*) FROM review.strikes WHERE subject = ANY($1)"
    assert await stack.fetchval(strikes, [f"user-{uid}", f"dept-{uid}"]) == 0
    assert stack.watch["status"].for_key(rid) == []


async def test_quiet_hours_deferrals_and_expiry_are_counted(stack: DryRunStack, uid: str) -> None:
    now = datetime.now(UTC)
    end = (now + timedelta(hours=2)).replace(second=0, microsecond=0)
    quiet = {"start": f"{now - timedelta(hours=1):%H:%M}", "end": f"{end:%H:%M}"}
    people = [
        recipient(f"u{uid}-awake", timezone="UTC"),
        recipient(f"u{uid}-q1", timezone="UTC", quiet_hours=quiet),
        recipient(f"u{uid}-q2", timezone="UTC", quiet_hours=quiet),
    ]
    await stack.directory(people)
    audience = {"recipients": [p.recipient_id for p in people]}

    r = await stack.dry_run(request_body(f"quiet-{uid}", uid, audience))

    plan = r.json()["schedule"]
    assert plan["deferred"] == {
        "quiet_hours_deferred": 2,
        "blackout_deferred": 0,
        "frequency_capped": 0,
        "expired": 0,
    }
    assert plan["would_send"] == 3
    first, last = (datetime.fromisoformat(plan["spread"][k]) for k in ("first", "last"))
    assert abs(first - now) < timedelta(minutes=1)
    assert last == end
    assert sum(h["sends"] for h in plan["spread"]["per_hour"]) == 3

    soon = {"expires_at": (now + timedelta(hours=1)).isoformat()}
    r = await stack.dry_run(request_body(f"quiet2-{uid}", uid, audience, schedule=soon))
    plan = r.json()["schedule"]
    assert plan["deferred"]["quiet_hours_deferred"] == 2
    assert plan["deferred"]["expired"] == 2
    assert plan["would_send"] == 1


async def test_frequency_caps_count_as_usage_stands_now(stack: DryRunStack, uid: str) -> None:
    now = datetime.now(UTC)
    people = [recipient(f"u{uid}-fresh", timezone="UTC"), recipient(f"u{uid}-used", timezone="UTC")]
    await stack.directory(people)
    await stack.sent_today(people[1].recipient_id, now)
    audience = {"recipients": [p.recipient_id for p in people]}
    midnight = datetime.combine(now.date() + timedelta(days=1), datetime.min.time(), UTC)

    plan = (await stack.dry_run(request_body(f"cap-{uid}", uid, audience))).json()["schedule"]

    assert plan["deferred"]["frequency_capped"] == 1
    assert plan["would_send"] == 2
    assert datetime.fromisoformat(plan["spread"]["last"]) == midnight
    assert (
        await stack.fetchval(
            "SELECT sent FROM scheduler.caps WHERE recipient_id = $1", people[1].recipient_id
        )
        == 1
    )  # read, never counted up
    if midnight - now > timedelta(minutes=5):
        soon = {"expires_at": (now + timedelta(minutes=4)).isoformat()}
        body = request_body(f"cap2-{uid}", uid, audience, schedule=soon)
        plan = (await stack.dry_run(body)).json()["schedule"]
        assert plan["suppressed"]["frequency_capped"] == 1
        assert plan["would_send"] == 1


async def test_a_large_audience_is_timed_on_a_sample_and_extrapolated(
    stack: DryRunStack, uid: str
) -> None:
    tag = f"tag-{uid}"
    people = [recipient(f"u{uid}-{i:03}", tags=[tag]) for i in range(90)]
    people += [recipient(f"u{uid}-x{i}", tags=[tag], consent={}) for i in range(10)]
    await stack.directory(people)

    r = await stack.dry_run(request_body(f"big-{uid}", uid, {"segment": {"tags_all": [tag]}}))

    plan = r.json()["schedule"]
    assert (plan["audience"], plan["reachable"]) == (100, 90)
    assert plan["suppressed"]["opted_out"] == 10
    assert plan["sampled"] is True
    assert 0 < plan["timed"] <= SAMPLE + SAMPLE // 10
    assert "sample" in plan["note"]
    assert plan["would_send"] == 90


async def test_invalid_request_is_422_like_the_real_path(stack: DryRunStack, uid: str) -> None:
    rid = f"invalid-{uid}"
    body = request_body(rid, uid, {"all": True}, content={"title": "x" * 101, "body": "b"})
    r = await stack.dry_run(body)
    assert r.status_code == 422
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["code"] == "invalid_request"
    assert [e["field"] for e in r.json()["errors"]] == ["content.title"]
    real = await stack.intake.post("/v1/requests", json=body, headers=stack.as_())
    assert real.json() == r.json()
    assert await stack.stored_anywhere(rid) == 0


async def test_other_tenant_and_other_roles_are_refused(stack: DryRunStack, uid: str) -> None:
    body = request_body(f"foreign-{uid}", uid, {"all": True})
    r = await stack.dry_run(body, tenant="globex")
    assert (r.status_code, r.json()["code"]) == (403, "unauthorized")
    r = await stack.dry_run(body, role="viewer")
    assert (r.status_code, r.json()["code"]) == (403, "unauthorized")
    async with httpx.AsyncClient() as direct:
        for base in (stack.review_url, stack.scheduler_url):
            r = await direct.post(f"{base}/v1/dry-run", json=body, headers=stack.as_("globex"))
            assert (r.status_code, r.json()["code"]) == (403, "unauthorized")
            r = await direct.post(f"{base}/v1/dry-run", json=body, headers=stack.as_())
            assert r.status_code == 200


async def test_review_down_is_503_naming_review(stack: DryRunStack, uid: str) -> None:
    rid = f"down-{uid}"
    await stack.review.stop()
    try:
        r = await stack.dry_run(request_body(rid, uid, {"all": True}))
    finally:
        await stack.review.start()
    assert r.status_code == 503
    assert r.headers["content-type"] == "application/problem+json"
    assert r.headers["retry-after"]
    assert r.json()["code"] == "unavailable"
    assert r.json()["unavailable"] == ["review"]
    assert "review" in r.json()["detail"]
    assert await stack.stored_anywhere(rid) == 0
    assert (await stack.dry_run(request_body(rid, uid, {"all": True}))).status_code == 200


async def test_every_dry_run_refuses_a_body_that_names_someone_else(
    stack: DryRunStack, uid: str
) -> None:
    """Intake, review and the scheduler alike: a dry run is the caller's own, so nobody
    reads another department's standing, caps or backlog by naming them."""
    someone = {"user": "li.wei", "department": "marketing"}
    body = request_body(f"posing-{uid}", uid, {"all": True}, requester=someone)
    r = await stack.dry_run(body)
    assert (r.status_code, r.json()["code"]) == (403, "unauthorized")
    async with httpx.AsyncClient() as direct:
        for base in (stack.review_url, stack.scheduler_url):
            r = await direct.post(f"{base}/v1/dry-run", json=body, headers=stack.as_())
            assert (r.status_code, r.json()["code"]) == (403, "unauthorized"), base
            fields = {e["field"] for e in r.json()["errors"]}
            assert fields == {"requester.user", "requester.department"}, base
