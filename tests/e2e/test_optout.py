"""Opting out end to end: a marketing message in the in-app inbox carries the signed
opt-out link; its one-click POST stops the next marketing request to that recipient
(suppressed, `opted_out`) while a transactional one still arrives, and the first
request's report counts the unsubscribe. (The SMS-reply path needs a China SMS provider
the shared stack does not configure: tests/integration/dispatcher/test_optout.py.)"""

import re
from typing import Any

import httpx
import pytest

from herald.devstack.stack import Stack
from tests.support.kafka import jbytes, produce
from tests.support.stack import client, directory_has, topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


def request(rid: str, recipient: str, category: str) -> dict[str, Any]:
    return {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "Announce the winter sale to VIP customers",
        "category": category,
        "priority": "normal",
        "channels": ["in_app"],
        "content": {
            "title": "冬季特卖今晚开始",
            "body": "会员专享 5 折起，点击查看详情。",
            "source": {
                "author": "Acme 市场部",
                "origin": "https://shop.example.com",
                "published_at": "2026-11-26T10:00:00+08:00",
            },
        },
        "audience": {"recipients": [recipient]},
        "schedule": {"recipient_local_time": False},
    }


async def finished(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    rid = body["request_id"]
    async with client(stack, "intake") as intake, client(stack, "intake", "viewer") as viewer:
        submitted = await intake.post("/v1/requests", json=body)
        assert submitted.status_code == 202, submitted.text

        async def final() -> dict[str, Any] | None:
            status: dict[str, Any] = (await viewer.get(f"/v1/requests/{rid}")).json()
            return status if status["status"] == "completed" else None

        return await eventually(final, timeout=60, what=f"{rid} completed")  # type: ignore[no-any-return]


async def test_one_click_opt_out_stops_the_next_marketing_push_not_a_transactional_one(
    stack: Stack, uid: str
) -> None:
    who = f"u-opt-{uid}"
    profile = {"recipient_id": who, "tenant": "acme", "consent": {"marketing": True}}
    await produce(stack.bootstrap, topic(stack, "push.recipients.v1"), [(who, jbytes(profile))])
    await directory_has(stack, who)

    first = request(f"opt1-{uid}", who, "marketing")
    assert (await finished(stack, first))["counts"]["sent"] == 1
    async with client(stack, "dispatcher", "viewer") as dispatcher:
        inbox = (await dispatcher.get(f"/v1/inbox/{who}")).json()
    [message] = inbox["messages"]
    base = f"http://127.0.0.1:{stack.ports['dispatcher']}"
    [link] = re.findall(re.escape(base) + r"/u/[A-Za-z0-9_.-]+", message["body"])

    async with httpx.AsyncClient(timeout=10) as recipient:
        confirm = await recipient.get(link)
        assert confirm.status_code == 200 and "<form" in confirm.text
        one_click = await recipient.post(
            link,
            content=b"List-Unsubscribe=One-Click",
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        assert one_click.status_code == 200

    second = await finished(stack, request(f"opt2-{uid}", who, "marketing"))
    assert (second["counts"]["sent"], second["counts"]["suppressed"]) == (0, 1)
    receipt = await finished(stack, request(f"opt3-{uid}", who, "transactional"))
    assert receipt["counts"]["sent"] == 1

    async with client(stack, "tracker", "viewer") as tracker:
        suppressed = (await tracker.get(f"/v1/requests/opt2-{uid}/report")).json()
        assert suppressed["suppressed_by_reason"] == {"opted_out": 1}

        async def counted() -> dict[str, Any] | None:
            now: dict[str, Any] = (await tracker.get(f"/v1/requests/opt1-{uid}/report")).json()
            return now if now["unsubscribed"] else None

        report = await eventually(counted, timeout=30, what="the unsubscribe in the report")
    assert (report["unsubscribed"], report["unsubscribe_rate"]) == (1, 1.0)
    async with client(stack, "dispatcher", "viewer") as dispatcher:
        inbox = (await dispatcher.get(f"/v1/inbox/{who}")).json()
    assert sorted(m["request_id"] for m in inbox["messages"]) == [f"opt1-{uid}", f"opt3-{uid}"]
