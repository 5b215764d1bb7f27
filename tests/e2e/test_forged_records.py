"""Who can reach the broker cannot walk around the gate (issue 14, the Kafka path).

Each test forges records as an outsider would (unsigned, signed with a guessed key, or
signed by an upstream producer where only Herald writes, or for another tenant) and
shows them refused: a dead letter `unauthorized` from every service that reads the topic,
and none of the effect the record asked for. Where it helps, the same record signed as it
should be shows the effect, so the refusal is the signature's doing.
"""

import json
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

from herald.devstack.stack import Stack
from herald.runtime.provenance import RecordSigner
from tests.e2e.test_walking_skeleton import push_request, recipient
from tests.support.kafka import Seen, TopicWatcher, jbytes, produce
from tests.support.signing import producer_signer
from tests.support.sink import HttpSink
from tests.support.stack import client, directory_has, topic
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
GUESSED = RecordSigner("herald", b"a-guess-at-the-deployment-record-key")
FORGERS: dict[str, RecordSigner | None] = {
    "unsigned": None,
    "guessed key": GUESSED,
    "upstream producer": producer_signer("acme"),
    "another tenant's producer": producer_signer("globex"),
}


async def forge(stack: Stack, name: str, key: str, value: bytes | None, how: str) -> None:
    signer = FORGERS[how]
    await produce(
        stack.bootstrap, topic(stack, name), [(key, value)], signer=signer, unsigned=not signer
    )


async def refused_by(dlq: TopicWatcher, key: str, name: str, services: set[str]) -> list[Any]:
    """Wait for a dead letter of `key` on `name` from each of `services`; each says
    `unauthorized`."""

    def letters() -> list[Any] | None:
        found = [s.json() for s in dlq.for_key(key) if s.json()["source_topic"].endswith(name)]
        return found if {d["service"] for d in found} >= services else None

    got = await eventually(letters, timeout=60, what=f"{name} refused by {sorted(services)}")
    assert {d["error"] for d in got} == {"unauthorized"}, got
    return got


async def rows(stack: Stack, sql: str, *args: Any) -> list[asyncpg.Record]:
    conn = await asyncpg.connect(stack.database_url)
    try:
        return list(await conn.fetch(sql, *args))
    finally:
        await conn.close()


def envelope(rid: str, users: Sequence[str]) -> bytes:
    at = datetime.now(UTC).isoformat()
    return jbytes({"request": push_request(rid, list(users)), "trace_id": rid, "at": at})


@pytest.fixture
async def dlq(stack: Stack) -> Any:
    watcher = await TopicWatcher(stack.bootstrap, topic(stack, "push.dlq.v1")).start()
    yield watcher
    await watcher.stop()


async def test_a_forged_approval_never_schedules_a_send(
    stack: Stack, sink: HttpSink, dlq: TopicWatcher, uid: str
) -> None:
    user = f"ap-{uid}"
    await produce(
        stack.bootstrap,
        topic(stack, "push.recipients.v1"),
        [(user, jbytes(recipient(user, sink.url(f"/approved/{uid}"))))],
    )
    await directory_has(stack, user)
    for n, how in enumerate(FORGERS):
        rid = f"forged-{n}-{uid}"
        await forge(stack, "push.approved.v1", rid, envelope(rid, [user]), how)
        [letter] = await refused_by(dlq, rid, "push.approved.v1", {"scheduler"})
        assert letter["message"], letter
        assert not await rows(stack, "SELECT 1 FROM scheduler.plans WHERE request_id = $1", rid)

    # what only Herald may write, Herald's signature makes effective: this one is sent
    real = f"real-{uid}"
    await produce(
        stack.bootstrap, topic(stack, "push.approved.v1"), [(real, envelope(real, [user]))]
    )
    await eventually(
        lambda: [r for r in sink.received if uid in r.path], timeout=60, what="the real one sent"
    )
    assert [r.path for r in sink.received if uid in r.path] == [f"/approved/{uid}"]


async def test_a_forged_standing_change_does_not_lift_a_ban(
    stack: Stack, dlq: TopicWatcher, uid: str
) -> None:
    subject, key = f"banned-{uid}", f"acme:requester:banned-{uid}"

    def change(standing: str, minutes: int) -> bytes:
        at = (datetime.now(UTC) + timedelta(minutes=minutes)).isoformat()
        return jbytes(
            {
                "tenant": "acme",
                "subject_kind": "requester",
                "subject": subject,
                "standing": standing,
                "at": at,
            }
        )

    await produce(stack.bootstrap, topic(stack, "push.standing.v1"), [(key, change("banned", 0))])
    query = "SELECT standing FROM intake.standing WHERE tenant = 'acme' AND subject = $1"
    await eventually(lambda: rows(stack, query, subject), what="the ban in intake")
    for n, how in enumerate(FORGERS, start=1):
        await forge(stack, "push.standing.v1", key, change("good", n), how)
    letters = await refused_by(dlq, key, "push.standing.v1", {"intake"})
    await eventually(lambda: len(dlq.for_key(key)) >= len(FORGERS), what="every forgery refused")
    assert len(letters) >= 1
    assert [r["standing"] for r in await rows(stack, query, subject)] == ["banned"]


async def test_forged_cancels_and_statuses_change_nothing_a_real_cancel_does(
    stack: Stack, sink: HttpSink, dlq: TopicWatcher, uid: str
) -> None:
    status = await TopicWatcher(stack.bootstrap, topic(stack, "push.status.v1")).start()
    try:
        users = [f"fc-{uid}-{i}" for i in range(2)]
        await produce(
            stack.bootstrap,
            topic(stack, "push.recipients.v1"),
            [(u, jbytes(recipient(u, sink.url(f"/fc/{u}")))) for u in users],
        )
        await directory_has(stack, *users)
        rid = f"fc-{uid}"
        later = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
        async with client(stack, "intake") as http, client(stack, "intake", "viewer") as viewer:
            r = await http.post(
                "/v1/requests", json=push_request(rid, users, schedule={"send_at": later})
            )
            assert r.status_code == 202

            async def mirrored() -> bool:
                got = await viewer.get(f"/v1/requests/{rid}")
                return got.status_code == 200 and got.json()["status"] == "scheduled"

            await eventually(mirrored, timeout=60, what="scheduled")
            at = datetime.now(UTC).isoformat()
            cancel = jbytes({"tenant": "acme", "request_id": rid, "by": "mallory", "at": at})
            fake = jbytes({"request_id": rid, "tenant": "acme", "status": "cancelled", "at": at})
            for how in ("unsigned", "another tenant's producer"):
                await forge(stack, "push.cancels.v1", rid, cancel, how)
                await forge(stack, "push.status.v1", rid, fake, how)
            await refused_by(dlq, rid, "push.cancels.v1", {"review", "scheduler", "dispatcher"})
            await refused_by(dlq, rid, "push.status.v1", {"intake", "tracker"})
            assert await mirrored()
            timers = "SELECT count(*) AS n FROM scheduler.timers WHERE request_id = $1"
            assert [r["n"] for r in await rows(stack, timers, rid)] == [2]
            said = [s.json()["status"] for s in status.for_key(rid) if _by_herald(s)]
            assert "cancelled" not in said  # the forged statuses are on the topic, unheard

            assert (await http.post(f"/v1/requests/{rid}/cancel")).status_code == 202
        await eventually(
            lambda: [
                s
                for s in status.for_key(rid)
                if _by_herald(s) and s.json()["status"] == "cancelled"
            ],
            timeout=60,
            what="the real cancel",
        )
    finally:
        await status.stop()


async def test_forged_sends_and_outcomes_reach_no_one_and_count_nothing(
    stack: Stack, sink: HttpSink, dlq: TopicWatcher, uid: str
) -> None:
    did, rid = f"d-forged-{uid}", f"forged-send-{uid}"
    now = datetime.now(UTC).isoformat()
    send = {
        "delivery_id": did, "request_id": rid, "tenant": "acme", "department": "marketing",
        "recipient_id": f"u-{uid}", "category": "notification", "priority": "normal",
        "channels": ["webhook"], "contacts": {"webhook": sink.url(f"/forged/{uid}")},
        "content": {"title": "t", "body": "b"}, "due_at": now,
    }  # fmt: skip
    outcome = {
        "delivery_id": did, "request_id": rid, "tenant": "acme", "department": "marketing",
        "recipient_id": f"u-{uid}", "outcome": "delivered", "channel": "webhook", "at": now,
    }  # fmt: skip
    for how in ("unsigned", "guessed key"):
        await forge(stack, "push.sends.v1", did, jbytes(send), how)
        await forge(stack, "push.outcomes.v1", did, jbytes(outcome), how)
    await refused_by(dlq, did, "push.sends.v1", {"dispatcher"})
    await refused_by(dlq, did, "push.outcomes.v1", {"tracker"})
    await eventually(lambda: len(dlq.for_key(did)) >= 4, what="every forgery refused")
    assert not [r for r in sink.received if uid in r.path]
    assert not await rows(stack, "SELECT 1 FROM tracker.outcomes WHERE delivery_id = $1", did)
    assert not await rows(stack, "SELECT 1 FROM dispatcher.deliveries WHERE delivery_id = $1", did)


async def test_requests_unsigned_or_for_another_tenant_are_refused_and_nothing_is_sent(
    stack: Stack, sink: HttpSink, dlq: TopicWatcher, uid: str
) -> None:
    status = await TopicWatcher(stack.bootstrap, topic(stack, "push.status.v1")).start()
    try:
        user = f"rq-{uid}"
        await produce(
            stack.bootstrap,
            topic(stack, "push.recipients.v1"),
            [(user, jbytes(recipient(user, sink.url(f"/rq/{uid}"))))],
        )
        await directory_has(stack, user)
        unsigned, crossed, real = f"unsigned-{uid}", f"crossed-{uid}", f"real-{uid}"
        requests = topic(stack, "push.requests.v1")
        await produce(
            stack.bootstrap, requests, [(unsigned, jbytes(push_request(unsigned, [user])))],
            unsigned=True,
        )  # fmt: skip
        await produce(
            stack.bootstrap, requests, [(crossed, jbytes(push_request(crossed, [user])))],
            signer=producer_signer("globex"),  # globex's producer, acme in the body
        )  # fmt: skip
        [u] = await refused_by(dlq, unsigned, "push.requests.v1", {"intake"})
        [c] = await refused_by(dlq, crossed, "push.requests.v1", {"intake"})
        assert "unsigned record" in u["message"]
        assert "'test-globex' submits for tenant 'globex' only, not for 'acme'" in c["message"]
        # the refusal is told to the producer's own tenant only; acme hears nothing
        assert not status.for_key(unsigned)
        assert {s.json()["tenant"] for s in status.for_key(crossed)} <= {"globex"}
        async with client(stack, "intake", "viewer") as viewer:
            for rid in (unsigned, crossed):
                assert (await viewer.get(f"/v1/requests/{rid}")).status_code == 404

        await produce(stack.bootstrap, requests, [(real, jbytes(push_request(real, [user])))])
        await eventually(
            lambda: [r for r in sink.received if uid in r.path], timeout=60, what="the real one"
        )
        assert [r.path for r in sink.received if uid in r.path] == [f"/rq/{uid}"]
    finally:
        await status.stop()


async def test_another_tenants_recipient_message_or_tombstone_changes_nothing(
    stack: Stack, sink: HttpSink, dlq: TopicWatcher, uid: str
) -> None:
    user = f"rc-{uid}"
    recipients = topic(stack, "push.recipients.v1")
    mine = recipient(user, sink.url(f"/mine/{uid}"))
    await produce(stack.bootstrap, recipients, [(user, jbytes(mine))])
    await directory_has(stack, user)

    globex = producer_signer("globex")
    stolen = recipient(user, sink.url(f"/stolen/{uid}"))  # names acme: not globex's to write
    await produce(stack.bootstrap, recipients, [(user, jbytes(stolen))], signer=globex)
    await refused_by(dlq, user, "push.recipients.v1", {"scheduler", "dispatcher", "tracker"})
    theirs = recipient(user, sink.url(f"/theirs/{uid}")) | {"tenant": "globex"}
    await produce(stack.bootstrap, recipients, [(user, None)], signer=globex)  # globex's own id
    await produce(stack.bootstrap, recipients, [(user, jbytes(theirs))], signer=globex)
    # same key, same partition: once globex's profile is in, its tombstone came before it
    for table in ("scheduler.recipients", "dispatcher.consent"):
        query = f"SELECT tenant FROM {table} WHERE recipient_id = $1 ORDER BY tenant"
        await eventually(
            lambda q=query: _tenants(stack, q, user, ["acme", "globex"]),
            timeout=60,
            what=f"both tenants' {user} in {table}",
        )
    acme = "SELECT contacts FROM scheduler.recipients WHERE tenant = 'acme' AND recipient_id = $1"
    [row] = await rows(stack, acme, user)
    assert json.loads(row["contacts"])["webhook"] == sink.url(f"/mine/{uid}")

    async with client(stack, "intake") as http:
        r = await http.post("/v1/requests", json=push_request(f"rc-{uid}", [user]))
        assert r.status_code == 202
    await eventually(lambda: [x for x in sink.received if uid in x.path], timeout=60, what="sent")
    assert [x.path for x in sink.received if uid in x.path] == [f"/mine/{uid}"]


def _says(seen: Seen, status: str) -> bool:
    return bool(seen.json()["status"] == status)


def _by_herald(seen: Seen) -> bool:
    """Published by Herald (the forgeries are on the topic too, refused by its readers)."""
    return seen.headers.get("x-herald-producer") == "herald"


async def _tenants(stack: Stack, query: str, user: str, want: list[str]) -> bool:
    return [r["tenant"] for r in await rows(stack, query, user)] == want
