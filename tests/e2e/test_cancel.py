"""Cancel stops what has not been sent and says how much; a finished request can't be."""

from datetime import UTC, datetime, timedelta

import pytest

from herald.devstack.stack import Stack
from tests.e2e.test_walking_skeleton import push_request, recipient
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.sink import HttpSink
from tests.support.stack import client, directory_has, topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


async def test_cancel_before_sending_stops_every_send_and_ends_cancelled(
    stack: Stack, sink: HttpSink, uid: str
) -> None:
    status = await TopicWatcher(stack.bootstrap, topic(stack, "push.status.v1")).start()
    try:
        users = [f"uc-{uid}-{i}" for i in range(3)]
        await produce(
            stack.bootstrap,
            topic(stack, "push.recipients.v1"),
            [(u, jbytes(recipient(u, sink.url(f"/cancel/{u}")))) for u in users],
        )
        await directory_has(stack, *users)
        rid = f"later-{uid}"
        later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        async with client(stack, "intake") as http:
            r = await http.post(
                "/v1/requests", json=push_request(rid, users, schedule={"send_at": later})
            )
            assert r.status_code == 202
            await eventually(
                lambda: any(s.json()["status"] == "scheduled" for s in status.for_key(rid)),
                timeout=60,
                what="scheduled",
            )
            await eventually(lambda: _mirrored(http, rid, "scheduled"), what="intake mirror")
            cancel = await http.post(f"/v1/requests/{rid}/cancel")
            assert cancel.status_code == 202
        final = await eventually(
            lambda: [s.json() for s in status.for_key(rid) if s.json()["status"] == "cancelled"],
            timeout=60,
            what="cancelled status",
        )
        assert final[0]["counts"]["cancelled"] == 3
        assert not [r for r in sink.received if r.path.startswith("/cancel/")]
    finally:
        await status.stop()


async def _mirrored(http, rid: str, want: str) -> bool:  # type: ignore[no-untyped-def]
    r = await http.get(f"/v1/requests/{rid}")
    return r.status_code == 200 and r.json()["status"] == want


async def test_a_completed_request_cannot_be_cancelled(
    stack: Stack, sink: HttpSink, uid: str
) -> None:
    user = f"ud-{uid}"
    await produce(
        stack.bootstrap,
        topic(stack, "push.recipients.v1"),
        [(user, jbytes(recipient(user, sink.url(f"/done/{user}"))))],
    )
    await directory_has(stack, user)
    rid = f"now-{uid}"
    async with client(stack, "intake") as http:
        assert (await http.post("/v1/requests", json=push_request(rid, [user]))).status_code == 202
        await eventually(lambda: _mirrored(http, rid, "completed"), timeout=60, what="completed")
        r = await http.post(f"/v1/requests/{rid}/cancel")
    assert r.status_code == 409
    assert len([x for x in sink.received if x.path == f"/done/{user}"]) == 1
