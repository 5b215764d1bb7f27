"""The trace id intake assigns (or is given) rides along through every service."""

import pytest

from herald.devstack.stack import Stack
from tests.e2e.test_walking_skeleton import push_request, recipient
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.sink import HttpSink
from tests.support.stack import client, directory_has, topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


async def test_trace_id_rides_in_headers_payloads_and_logs(
    stack: Stack, sink: HttpSink, uid: str
) -> None:
    trace = f"{uid}{'0' * (32 - len(uid))}"
    names = ("push.accepted.v1", "push.approved.v1", "push.sends.v1", "push.outcomes.v1")
    watchers = {n: await TopicWatcher(stack.bootstrap, topic(stack, n)).start() for n in names}
    try:
        user = f"tr-{uid}"
        await produce(
            stack.bootstrap,
            topic(stack, "push.recipients.v1"),
            [(user, jbytes(recipient(user, sink.url(f"/trace/{user}"))))],
        )
        await directory_has(stack, user)
        rid = f"trace-{uid}"
        async with client(stack, "intake") as http:
            r = await http.post(
                "/v1/requests", json=push_request(rid, [user]), headers={"x-trace-id": trace}
            )
        assert r.headers["x-trace-id"] == trace
        await eventually(
            lambda: [x for x in sink.received if x.path == f"/trace/{user}"],
            timeout=60,
            what="the push",
        )
        # The watchers read each topic from its beginning on a shared stack: the push can
        # reach the sink before they have caught up, so wait for them too.
        [accepted] = await eventually(
            lambda: watchers["push.accepted.v1"].for_key(rid), what="the accepted event"
        )
        [approved] = await eventually(
            lambda: watchers["push.approved.v1"].for_key(rid), what="the approved event"
        )
        assert accepted.headers["x-trace-id"] == trace
        assert approved.headers["x-trace-id"] == trace
        sends = await eventually(
            lambda: [
                s.json() for s in watchers["push.sends.v1"].seen if s.json()["request_id"] == rid
            ],
            what="the send",
        )
        assert sends and {s["trace_id"] for s in sends} == {trace}
        outcomes = await eventually(
            lambda: [
                s.json() for s in watchers["push.outcomes.v1"].seen if s.json()["request_id"] == rid
            ],
            what="the outcome",
        )
        assert {o["trace_id"] for o in outcomes} == {trace}
        assert {
            s.headers.get("x-trace-id")
            for s in watchers["push.outcomes.v1"].seen
            if s.json()["request_id"] == rid
        } == {trace}
        assert stack.log_dir
        for service in ("intake", "review", "scheduler"):
            text = (stack.log_dir / f"{service}.log").read_text()
            assert trace in text, f"{service} logged nothing with the trace id"
    finally:
        for w in watchers.values():
            await w.stop()
