"""Review's two groups on push.accepted.v1 over the real broker and Postgres (issue 21):
`herald-review` and `herald-review-critical` together decide each request exactly once."""

from datetime import UTC, datetime

import asyncpg
import pytest
from tests.integration.review.builders import accept, request
from tests.support.kafka import TopicWatcher, produce
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

from herald.contracts.internal import RequestEnvelope
from herald.review.main import create_app
from herald.review.settings import ReviewSettings

pytestmark = pytest.mark.integration


async def test_bulk_and_critical_requests_are_each_decided_once(
    kafka: str, database_url: str, uid: str
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    approved = await TopicWatcher(kafka, prefix + "push.approved.v1").start()
    promo = [request(f"promo-{i}-{uid}", category="marketing") for i in range(3)]
    codes = [request(f"otp-{i}-{uid}", category="transactional") for i in range(2)]
    urgent = request(f"urgent-{uid}", priority="critical")
    ids = [r.request_id for r in (*promo, *codes, urgent)]
    try:
        async with running(create_app(ReviewSettings(**service_env(kafka, database_url, prefix)))):
            await accept(kafka, prefix, promo[0], codes[0], promo[1], urgent, codes[1], promo[2])
            await eventually(lambda: all(approved.for_key(i) for i in ids), what="all passed on")
    finally:
        await approved.stop()
    assert {i: len(approved.for_key(i)) for i in ids} == dict.fromkeys(ids, 1)
    conn = await asyncpg.connect(database_url)
    try:
        rows = await conn.fetch(
            "SELECT request_id, count(*) AS n FROM review.audit"
            " WHERE request_id = ANY($1::text[]) GROUP BY request_id",
            ids,
        )
    finally:
        await conn.close()
    assert {r["request_id"]: r["n"] for r in rows} == dict.fromkeys(ids, 1)  # one decision each


async def test_a_forged_critical_envelope_is_judged_by_neither_group_and_dead_lettered_once(
    kafka: str, database_url: str, uid: str
) -> None:
    """An attacker who can write push.accepted.v1 but holds no record key: the critical
    group verifies the record as the bulk group does; the letter is written once."""
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    approved = await TopicWatcher(kafka, prefix + "push.approved.v1").start()
    dlq = await TopicWatcher(kafka, prefix + "push.dlq.v1").start()
    forged = request(f"forged-otp-{uid}", category="transactional", body="百家乐今晚开局")
    after = request(f"real-otp-{uid}", category="transactional")
    envelope = RequestEnvelope(request=forged, trace_id="t", at=datetime.now(UTC))
    try:
        async with running(create_app(ReviewSettings(**service_env(kafka, database_url, prefix)))):
            topic = prefix + "push.accepted.v1"
            await produce(kafka, topic, [(forged.request_id, envelope.model_dump_json().encode())],
                          unsigned=True)  # fmt: skip
            await accept(kafka, prefix, after)
            await eventually(lambda: approved.for_key(after.request_id), what="the real one")
            await eventually(lambda: dlq.for_key(forged.request_id), what="the dead letter")
    finally:
        await approved.stop()
        await dlq.stop()
    assert approved.for_key(forged.request_id) == []
    [letter] = dlq.for_key(forged.request_id)
    assert letter.json()["error"] == "unauthorized"
