"""Who is checked is who sent it: each way around the gate an upstream team or a
department would try over HTTP, refused by the whole stack (issue 14)."""

import uuid
from typing import Any

import httpx
import pytest

from herald.devstack.stack import Stack
from tests.e2e.test_walking_skeleton import push_request
from tests.support.stack import add_key, client
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
HELD = {"title": "冬季特卖", "body": "详情 https://bit.ly/x"}  # a shortener: a human decides
GAMBLING = {"title": "今晚开局", "body": "百家乐今晚开局"}  # blocked: rejected, a strike
LATER = {"send_at": "2099-01-01T10:00:00+08:00"}


async def review_state(stack: Stack, rid: str) -> str | None:
    async with client(stack, "review", "reviewer") as http:
        r = await http.get(f"/v1/reviews/{rid}")
    return str(r.json()["state"]) if r.status_code == 200 else None


async def decide(stack: Stack, role: str, rid: str) -> httpx.Response:
    async with client(stack, "review", role) as http:
        return await http.post(f"/v1/reviews/{rid}/decision", json={"decision": "approve"})


async def submit(stack: Stack, role: str, body: dict[str, Any]) -> httpx.Response:
    async with client(stack, "intake", role) as http:
        return await http.post("/v1/requests", json=body)


async def test_a_body_naming_another_user_is_refused_and_nothing_is_reviewed(
    stack: Stack, uid: str
) -> None:
    rid = f"as-other-{uid}"
    body = push_request(rid, ["nobody"], requester={"department": "marketing", "user": "zhang.san"})
    r = await submit(stack, "submitter", body)
    assert (r.status_code, r.json()["code"]) == (403, "unauthorized")
    assert "'zhang.san'" in r.json()["detail"] and "'li.wei'" in r.json()["detail"]
    assert await review_state(stack, rid) is None


async def test_an_admin_key_that_submitted_cannot_approve_it(stack: Stack, uid: str) -> None:
    rid = f"admin-{uid}"
    admin = {"department": "operations", "user": "admin"}  # the dev admin key's holder
    body = push_request(rid, ["nobody"], requester=admin, content=HELD)
    assert (await submit(stack, "admin", body)).status_code == 202
    await eventually(lambda: _is(stack, rid, "pending"), timeout=60, what="waiting for a human")

    own = await decide(stack, "admin", rid)
    assert (own.status_code, own.json()["code"]) == (403, "unauthorized")
    assert await review_state(stack, rid) == "pending"
    assert (await decide(stack, "reviewer", rid)).status_code == 200


async def test_a_submitter_with_a_reviewer_key_of_their_own_cannot_approve(
    stack: Stack, uid: str
) -> None:
    rid = f"own-{uid}"
    body = push_request(rid, ["nobody"], content=HELD)
    assert (await submit(stack, "submitter", body)).status_code == 202
    await eventually(lambda: _is(stack, rid, "pending"), timeout=60, what="waiting for a human")
    for n, name in enumerate(("li.wei", "Li.Wei", "ｌｉ.ｗｅｉ ")):
        add_key(stack, f"li-reviewer-{uid}-{n}", "reviewer", name, "marketing")
        own = await decide(stack, f"li-reviewer-{uid}-{n}", rid)
        assert (own.status_code, own.json()["code"]) == (403, "unauthorized"), name
    assert await review_state(stack, rid) == "pending"


async def test_a_banned_submitter_cannot_come_back_by_changing_the_body_s_name(
    stack: Stack, uid: str
) -> None:
    name, department = f"ban-{uid}", f"dept-{uid}"
    add_key(stack, name, "submitter", name, department)
    me = {"user": name, "department": department}
    for i in range(5):  # the default ladder bans at five strikes
        body = push_request(
            f"{name}-{i}", ["nobody"], requester=me, content=GAMBLING, category="transactional"
        )
        assert (await submit(stack, name, body)).status_code == 202
        await eventually(lambda i=i: _is(stack, f"{name}-{i}", "rejected"), timeout=60)  # type: ignore[misc]

    async def banned(as_named: str) -> dict[str, Any] | None:
        requester = {"user": as_named, "department": department}
        body = push_request(f"{name}-{uuid.uuid4().hex[:6]}", ["nobody"], requester=requester)
        r = await submit(stack, name, body)
        found: dict[str, Any] = r.json()
        # the ladder passes through `restricted` first: wait for the ban itself
        refused = found.get("code") == "requester_restricted" and "banned" in found["detail"]
        return found if refused else None

    refused = await eventually(lambda: banned(name), timeout=60, what="the ban at intake")
    assert "banned" in refused["detail"]
    assert await banned(name.upper()) is not None  # the same person, spelt otherwise
    letter = {"user": name[:-1] + "x", "department": department}
    changed = await submit(stack, name, push_request(f"{name}-x", ["nobody"], requester=letter))
    assert (changed.status_code, changed.json()["code"]) == (403, "unauthorized")


async def test_another_department_s_submitter_cannot_cancel(stack: Stack, uid: str) -> None:
    rid = f"dept-cancel-{uid}"
    assert (
        await submit(stack, "submitter", push_request(rid, ["nobody"], schedule=LATER))
    ).status_code == 202
    add_key(stack, f"ops-{uid}", "submitter", f"ops-{uid}", "ops")
    async with client(stack, "intake", f"ops-{uid}") as ops, client(stack, "intake") as own:
        await eventually(lambda: _known(own, rid), timeout=60, what="the request mirrored")
        refused = await ops.post(f"/v1/requests/{rid}/cancel")
        assert (refused.status_code, refused.json()["code"]) == (403, "unauthorized")
        assert (await own.get(f"/v1/requests/{rid}")).json()["status"] != "cancelled"
        assert (await own.post(f"/v1/requests/{rid}/cancel")).status_code == 202


async def test_a_reporter_key_reports_engagement_and_nothing_else(stack: Stack, uid: str) -> None:
    rid = f"rep-{uid}"
    assert (
        await submit(stack, "submitter", push_request(rid, ["nobody"], schedule=LATER))
    ).status_code == 202
    reporter = {"department": "marketing", "user": "app-backend"}
    async with client(stack, "intake", "reporter") as intake:
        submitted = await intake.post(
            "/v1/requests", json=push_request(f"{rid}-r", ["x"], requester=reporter)
        )
        read = await intake.get(f"/v1/requests/{rid}")
        cancelled = await intake.post(f"/v1/requests/{rid}/cancel")
    async with client(stack, "tracker", "reporter") as tracker:
        report = await tracker.get(f"/v1/requests/{rid}/report")
    async with client(stack, "review", "reporter") as review:
        queue = await review.get("/v1/reviews")
    for answer in (submitted, read, cancelled, report, queue):
        assert (answer.status_code, answer.json()["code"]) == (403, "unauthorized"), answer.url


async def _is(stack: Stack, rid: str, state: str) -> bool:
    return await review_state(stack, rid) == state


async def _known(http: httpx.AsyncClient, rid: str) -> bool:
    return (await http.get(f"/v1/requests/{rid}")).status_code == 200
