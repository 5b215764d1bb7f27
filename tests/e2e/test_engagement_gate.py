"""Engagement only the tenant can write: reports another tenant (or anyone guessing ids)
tries to inflate, through the whole stack (issue 14)."""

import hashlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from herald.devstack.stack import Stack
from tests.e2e.test_walking_skeleton import push_request, recipient
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.sink import HttpSink
from tests.support.stack import add_key, client, directory_has, topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


def engagement(event_id: str, delivery_id: str, kind: str = "clicked") -> dict[str, Any]:
    at = datetime.now(UTC).isoformat()
    return {"event_id": event_id, "delivery_id": delivery_id, "kind": kind, "at": at}


async def delivered(stack: Stack, sink: HttpSink, uid: str, n: int) -> tuple[str, list[str]]:
    """A request of acme delivered by webhook to `n` people: its id and delivery ids."""
    users = [f"ue-{uid}-{i}" for i in range(n)]
    await produce(
        stack.bootstrap,
        topic(stack, "push.recipients.v1"),
        [(u, jbytes(recipient(u, sink.url(f"/engaged/{u}")))) for u in users],
    )
    await directory_has(stack, *users)
    rid = f"eng-{uid}"
    async with client(stack, "intake") as http:
        assert (await http.post("/v1/requests", json=push_request(rid, users))).status_code == 202

    def calls() -> list[Any] | None:
        found = [r for r in sink.received if r.path.startswith(f"/engaged/ue-{uid}-")]
        return found if len(found) == n else None

    made = await eventually(calls, timeout=60, what="the webhook calls")
    await eventually(lambda: _report(stack, rid, "status", "completed"), timeout=60)
    return rid, sorted(c.headers["x-herald-delivery-id"] for c in made)


async def _report(stack: Stack, rid: str, field: str, want: object) -> dict[str, Any] | None:
    async with client(stack, "tracker", "viewer") as http:
        r = await http.get(f"/v1/requests/{rid}/report")
    return r.json() if r.status_code == 200 and r.json()[field] == want else None


async def test_another_tenant_cannot_count_engagement_on_our_deliveries_or_take_event_ids(
    stack: Stack, sink: HttpSink, uid: str
) -> None:
    rid, (first, second) = await delivered(stack, sink, uid, 2)
    add_key(stack, f"globex-{uid}", "reporter", "globex-app", None, tenant="globex")
    dlq = await TopicWatcher(stack.bootstrap, topic(stack, "push.dlq.v1")).start()
    try:
        async with client(stack, "tracker", f"globex-{uid}") as globex:
            forged = [engagement(f"e-{uid}-1", first), engagement(f"e-{uid}-2", second, "read")]
            assert (await globex.post("/v1/engagement", json=forged)).status_code == 202
            # the real receipt's id, taken first (for a delivery of nobody's)
            squat = engagement(f"e-{uid}-real", f"d-{uid}-nowhere", "read")
            assert (await globex.post("/v1/engagement", json=squat)).status_code == 202
        await eventually(
            lambda: len([d for d in dlq.seen if d.key in (first, second)]) == 2,
            timeout=60,
            what="the forged events dead-lettered",
        )
        letters = [json.loads(d.value) for d in dlq.seen if d.key in (first, second)]
        assert {(x["error"], x["service"]) for x in letters} == {("unauthorized", "tracker")}
        report = await _report(stack, rid, "status", "completed")
        assert report is not None and (report["clicked"], report["read"]) == (0, 0)

        async with client(stack, "tracker", "reporter") as acme:
            real = engagement(f"e-{uid}-real", first, "read")
            assert (await acme.post("/v1/engagement", json=real)).status_code == 202
        counted = await eventually(lambda: _report(stack, rid, "read", 1), timeout=60)
        assert counted["clicked"] == 0
    finally:
        await dlq.stop()


async def test_a_guessed_delivery_id_counts_for_nothing(
    stack: Stack, sink: HttpSink, uid: str
) -> None:
    rid, ids = await delivered(stack, sink, uid, 1)
    user = f"ue-{uid}-0"
    # what anyone could compute before delivery ids were keyed
    guess = "d-" + hashlib.blake2b(f"acme\x00{rid}\x00{user}".encode(), digest_size=12).hexdigest()
    assert guess not in ids
    async with client(stack, "tracker", "reporter") as acme:
        forged = engagement(f"e-{uid}-guess", guess)
        assert (await acme.post("/v1/engagement", json=forged)).status_code == 202
        marker = engagement(f"e-{uid}-marker", ids[0], "read")  # a real one, after it
        assert (await acme.post("/v1/engagement", json=marker)).status_code == 202
    report = await eventually(lambda: _report(stack, rid, "read", 1), timeout=60)
    assert report["clicked"] == 0
