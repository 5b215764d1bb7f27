"""A corpus of bad input on both intake paths and every public topic (issue 9).

Each bad message gets its reason code (HTTP) or a dead letter (Kafka); the services stay
up and keep processing the good messages around them.
"""

import asyncpg
import httpx
import pytest

from herald.devstack.stack import Stack
from tests.e2e.test_walking_skeleton import push_request, recipient
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.sink import HttpSink
from tests.support.stack import client, directory_has, topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


def deep(n: int) -> bytes:
    return b'{"a":' * n + b"1" + b"}" * n


def corpus(rid: str) -> dict[str, bytes]:
    good = push_request(rid, ["u-1"])
    wrong_types = dict(good, channels="webhook", labels=[1, 2])
    unknown_enum = dict(good, category="propaganda")
    huge = dict(good, goal="x" * 2_000_000)
    return {
        "malformed": b'{"request_id": "x", ',
        "not_an_object": b"[1, 2, 3]",
        "wrong_types": jbytes(wrong_types),
        "unknown_enum": jbytes(unknown_enum),
        "huge_string": jbytes(huge),
        "deep_nesting": deep(50_000),
        "invalid_utf8": b'{"request_id": "\xff\xfe", "tenant": "acme"}',
        "empty": b"",
        "null_json": b"null",
    }


async def test_bad_requests_on_kafka_are_dead_lettered_and_good_ones_pass(
    stack: Stack, uid: str
) -> None:
    dlq = await TopicWatcher(stack.bootstrap, topic(stack, "push.dlq.v1")).start()
    status = await TopicWatcher(stack.bootstrap, topic(stack, "push.status.v1")).start()
    try:
        bad = {f"bad-{name}-{uid}": body for name, body in corpus(f"x-{uid}").items()}
        good = f"good-{uid}"
        await produce(
            stack.bootstrap,
            topic(stack, "push.requests.v1"),
            [*bad.items(), (good, jbytes(push_request(good, ["u-1"])))],
        )
        letters = await eventually(
            lambda: (
                (found := {s.key: s.json() for s in dlq.seen if s.key in bad})
                and len(found) == len(bad)
                and found
            ),
            timeout=60,
            what="a dead letter for every bad request",
        )
        for key, letter in letters.items():
            assert letter["error"] == "invalid_request", (key, letter)
            assert letter["source_topic"].endswith("push.requests.v1")
        await eventually(lambda: status.for_key(good), what="the good request accepted")
    finally:
        await dlq.stop()
        await status.stop()


async def test_bad_requests_over_http_get_4xx_never_5xx(stack: Stack, uid: str) -> None:
    async with client(stack, "intake") as http:
        for name, body in corpus(f"h-{uid}").items():
            r = await http.post(
                "/v1/requests", content=body, headers={"content-type": "application/json"}
            )
            assert r.status_code in (400, 413, 422), (name, r.status_code, r.text[:300])
            assert r.json()["code"] == "invalid_request", name
        ok = await http.post("/v1/requests", json=push_request(f"h-ok-{uid}", ["u-1"]))
        assert ok.status_code == 202


async def test_bad_recipients_engagement_and_statuses_are_dead_lettered_services_stay_up(
    stack: Stack, sink: HttpSink, uid: str
) -> None:
    dlq = await TopicWatcher(stack.bootstrap, topic(stack, "push.dlq.v1")).start()
    try:
        bad = {
            "malformed": b"{nope",
            "wrong_types": jbytes({"recipient_id": 5, "tenant": ["acme"], "tags": "vip"}),
            "invalid_utf8": b'{"recipient_id": "\xff"}',
            "deep": deep(50_000),
        }
        keys = {
            f"{t}-{name}-{uid}": (t, body)
            for t in ("recipients", "engagement", "status")
            for name, body in bad.items()
        }
        for key, (t, body) in keys.items():
            await produce(stack.bootstrap, topic(stack, f"push.{t}.v1"), [(key, body)])
        # a tombstone for a recipient nobody knows, engagement for an unknown delivery
        await produce(stack.bootstrap, topic(stack, "push.recipients.v1"), [(f"ghost-{uid}", None)])
        await produce(
            stack.bootstrap,
            topic(stack, "push.engagement.v1"),
            [
                (
                    f"d-unknown-{uid}",
                    jbytes(
                        {
                            "event_id": f"e-{uid}",
                            "delivery_id": f"d-unknown-{uid}",
                            "kind": "clicked",
                            "at": "2026-11-27T20:01:13+08:00",
                        }
                    ),
                )
            ],
        )
        await eventually(
            lambda: {s.key for s in dlq.seen} >= set(keys),
            timeout=60,
            what="a dead letter for every bad message on every public topic",
        )
        assert not [s for s in dlq.seen if s.key in (f"ghost-{uid}", f"d-unknown-{uid}")]

        # and the good ones around them still go through, end to end
        user = f"after-{uid}"
        await produce(
            stack.bootstrap,
            topic(stack, "push.recipients.v1"),
            [(user, jbytes(recipient(user, sink.url(f"/after/{user}"))))],
        )
        await directory_has(stack, user)
        async with client(stack, "intake") as http:
            r = await http.post("/v1/requests", json=push_request(f"after-{uid}", [user]))
            assert r.status_code == 202
        await eventually(
            lambda: [x for x in sink.received if x.path == f"/after/{user}"],
            timeout=60,
            what="a push after the bad input",
        )
        async with httpx.AsyncClient() as http:
            for name, port in stack.ports.items():
                ready = await http.get(f"http://127.0.0.1:{port}/readyz")
                assert ready.status_code == 200, (name, ready.text)
        conn = await asyncpg.connect(stack.database_url)
        try:
            assert (
                await conn.fetchval(
                    "SELECT count(*) FROM scheduler.recipients WHERE recipient_id = $1", user
                )
                == 1
            )
        finally:
            await conn.close()
    finally:
        await dlq.stop()
