"""Review's two groups on push.accepted.v1 over the real broker and Postgres (issue 21):
`herald-review` and `herald-review-critical` together decide each request exactly once."""

import asyncpg
import pytest
from tests.integration.review.builders import accept, request
from tests.support.kafka import TopicWatcher
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

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
