"""A request published as the contract says ends in a webhook call and `completed`."""

import asyncpg
import pytest

from herald.devstack.stack import Stack
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.sink import HttpSink
from tests.support.stack import client, directory_has, topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


def push_request(rid: str, recipients: list[str], **over: object) -> dict[str, object]:
    body: dict[str, object] = {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "Announce the winter sale to VIP customers",
        "category": "notification",
        "channels": ["webhook"],
        "content": {
            "title": "冬季特卖今晚开始",
            "body": "会员专享 5 折起，点击查看详情。",
            "url": "https://shop.example.com/winter",
        },
        "audience": {"recipients": recipients},
        "labels": {"campaign": "winter-2026"},
    }
    body.update(over)
    return body


def recipient(rid: str, hook: str) -> dict[str, object]:
    return {
        "recipient_id": rid,
        "tenant": "acme",
        "timezone": "Asia/Shanghai",
        "contacts": {"webhook": hook},
        "tags": ["vip"],
        "consent": {"marketing": True},
    }


async def test_published_request_is_delivered_by_webhook_and_completes(
    stack: Stack, sink: HttpSink, uid: str
) -> None:
    status = await TopicWatcher(stack.bootstrap, topic(stack, "push.status.v1")).start()
    try:
        users = [f"u-{uid}-{i}" for i in range(3)]
        await produce(
            stack.bootstrap,
            topic(stack, "push.recipients.v1"),
            [(u, jbytes(recipient(u, sink.url(f"/hook/{u}")))) for u in users],
        )
        await directory_has(stack, *users)
        rid = f"req-{uid}"
        # one recipient the directory does not know: suppressed as no_contact
        await produce(
            stack.bootstrap,
            topic(stack, "push.requests.v1"),
            [(rid, jbytes(push_request(rid, [*users, f"ghost-{uid}"])))],
        )

        await eventually(
            lambda: len([r for r in sink.received if uid in r.path]) >= 3,
            timeout=60,
            what="three webhook calls",
        )
        final = await eventually(
            lambda: [s.json() for s in status.for_key(rid) if s.json()["status"] == "completed"],
            timeout=60,
            what="completed status",
        )
        counts = final[0]["counts"]
        assert counts["recipients"] == 4
        assert counts["suppressed"] == 1
        assert counts["sent"] == 3
        assert counts["delivered"] == 3
        assert final[0]["labels"] == {"campaign": "winter-2026"}

        lifecycle = [s.json()["status"] for s in status.for_key(rid)]
        assert lifecycle[:5] == ["accepted", "approved", "scheduled", "dispatching", "completed"]

        call = next(r for r in sink.received if r.path == f"/hook/{users[0]}")
        assert call.headers["x-herald-signature"].startswith("t=")
        assert call.headers["x-herald-delivery-id"].startswith("d-")

        conn = await asyncpg.connect(stack.database_url)
        try:
            rows = await conn.fetch(
                "SELECT outcome, count(*) AS n FROM tracker.outcomes WHERE request_id = $1 "
                "GROUP BY outcome",
                rid,
            )
        finally:
            await conn.close()
        assert {r["outcome"]: r["n"] for r in rows} == {"delivered": 3, "suppressed": 1}

        async with client(stack, "tracker", "viewer") as http:
            report = (await http.get(f"/v1/requests/{rid}/report")).json()
        assert report["delivered"] == 3
        assert report["suppressed_by_reason"] == {"no_contact": 1}
        assert report["channels"]["webhook"]["delivered"] == 3
    finally:
        await status.stop()


async def test_bad_messages_are_dead_lettered_and_intake_keeps_going(
    stack: Stack, uid: str
) -> None:
    dlq = await TopicWatcher(stack.bootstrap, topic(stack, "push.dlq.v1")).start()
    status = await TopicWatcher(stack.bootstrap, topic(stack, "push.status.v1")).start()
    try:
        bad_json, invalid, good = f"bad-{uid}", f"invalid-{uid}", f"good-{uid}"
        broken = push_request(invalid, ["u-x"])
        del broken["content"]["title"]  # type: ignore[attr-defined]
        await produce(
            stack.bootstrap,
            topic(stack, "push.requests.v1"),
            [
                (bad_json, b"{not json"),
                (invalid, jbytes(broken)),
                (good, jbytes(push_request(good, ["u-nobody"]))),
            ],
        )
        letters = await eventually(
            lambda: (
                [s.json() for s in dlq.seen if s.key in (bad_json, invalid)]
                if len([s for s in dlq.seen if s.key in (bad_json, invalid)]) == 2
                else None
            ),
            timeout=60,
            what="two dead letters",
        )
        by_key = {d["key"]: d for d in letters}
        assert by_key[bad_json]["error"] == "invalid_request"
        assert by_key[bad_json]["service"] == "intake"
        assert "content.title: field required" in by_key[invalid]["message"]
        rejected = await eventually(lambda: status.for_key(invalid), what="rejected status")
        assert rejected[0].json()["status"] == "rejected"
        assert rejected[0].json()["reasons"][0]["code"] == "invalid_request"
        accepted = await eventually(lambda: status.for_key(good), what="the good one accepted")
        assert accepted[0].json()["status"] == "accepted"
    finally:
        await dlq.stop()
        await status.stop()
