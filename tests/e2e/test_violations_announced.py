"""曝光 across the whole stack: a rejected push strikes its submitter, review puts them on
the violations board, and intake announces the change of standing to their department's
status callback, signed (issue 18)."""

import json
import time
from typing import Any

import pytest

from herald.devstack.stack import Stack
from herald.intake.callbacks.signing import verify
from tests.e2e.test_walking_skeleton import push_request
from tests.integration.dispatcher.stub import stub
from tests.support.stack import add_key, client
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
GAMBLING = {"title": "今晚开局", "body": "百家乐今晚开局"}  # blocked by the rules: a strike


async def test_a_strike_is_on_the_board_and_announced_to_the_departments_callback(
    stack: Stack, uid: str
) -> None:
    user, dept = f"v-{uid}", f"dept-v-{uid}"
    add_key(stack, f"v-{uid}", "submitter", user, dept)
    async with stub() as receiver:
        async with client(stack, "intake", f"v-{uid}") as intake:
            r = await intake.post("/v1/callbacks", json={"url": receiver.url("/herald")})
            assert r.status_code == 201, r.text
            secret = r.json()["secret"]
            rid = f"strike-{uid}"
            body = push_request(
                rid, ["nobody"], requester={"user": user, "department": dept}, content=GAMBLING
            )
            assert (await intake.post("/v1/requests", json=body)).status_code == 202

        def standing() -> list[dict[str, Any]]:
            bodies = [json.loads(s.body) for s in receiver.seen]
            return [b["data"] for b in bodies if b["type"] == "standing"]

        def rejected() -> bool:
            bodies = [json.loads(s.body) for s in receiver.seen]
            return any(b["data"].get("status") == "rejected" for b in bodies)

        [announced] = await eventually(standing, timeout=60, what="the standing announced")
        await eventually(rejected, timeout=60, what="the rejection POSTed")
        bodies = [json.loads(s.body) for s in receiver.seen]
        statuses = [b["data"]["status"] for b in bodies if b["type"] == "status"]
    assert announced | {"at": None} == {
        "tenant": "acme", "subject_kind": "requester", "subject": user, "standing": "warned",
        "department": dept, "at": None,
    }  # fmt: skip
    assert statuses == ["accepted", "rejected"]
    assert all(
        verify(secret, s.headers["herald-signature"], s.body, int(time.time()))
        for s in receiver.seen
    )
    async with client(stack, "review", "reviewer") as review:
        board = (await review.get("/v1/violations")).json()["violations"]
    [mine] = [v for v in board if v["subject"] == user]
    assert (mine["standing"], mine["department"], mine["strikes"]) == ("warned", dept, 1)
    assert mine["violations"][0]["request_id"] == rid
    assert mine["violations"][0]["codes"] == ["sensitive_content"]
