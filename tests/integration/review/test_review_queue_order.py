"""The human review queue over the real broker and Postgres (issue 21, item 1): the most
urgent request first (alerts and one-time codes, then by priority), oldest first among
equals, so a security alert held for review is not found under a marketing backlog."""

from pathlib import Path

import httpx
import pytest
from tests.integration.review.builders import accept, request
from tests.integration.review.harness import auth, write_keys
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

from herald.contracts.internal import Submitter
from herald.review.main import create_app
from herald.review.settings import ReviewSettings

pytestmark = pytest.mark.integration
SHORTENER = "详情 https://bit.ly/x"
"""A shortened link: every one of these requests is held for a human."""


async def queue(http: httpx.AsyncClient, ids: set[str]) -> list[str]:
    answer = await http.get(
        "/v1/reviews", params={"state": "pending", "limit": 500}, headers=auth("reviewer")
    )
    return [r["request_id"] for r in answer.json()["reviews"] if r["request_id"] in ids]


async def test_the_review_queue_lists_critical_first_then_priority_then_age(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    env = service_env(kafka, database_url, prefix, api_keys_file=write_keys(tmp_path))
    sender = Submitter(user=f"q-{uid}", department=f"d-{uid}", credential=f"c-{uid}", via="http")
    held = [  # in the order they arrive
        request(f"old-blast-{uid}", SHORTENER, category="marketing"),
        request(f"high-{uid}", SHORTENER, priority="high"),
        request(f"new-blast-{uid}", SHORTENER, category="marketing"),
        request(f"alert-{uid}", SHORTENER, category="alert", priority="low"),
        request(f"flash-{uid}", SHORTENER, category="marketing", priority="critical"),
    ]
    ids = {r.request_id for r in held}
    async with running(create_app(ReviewSettings(**env))) as http:
        for i, r in enumerate(held, start=1):  # one at a time: their ages are distinct
            await accept(kafka, prefix, r, submitter=sender)
            await eventually(lambda n=i: _count(http, ids, n), what=f"{r.request_id} held")

        assert await queue(http, ids) == [
            f"flash-{uid}",  # the critical lane, by priority: critical before low
            f"alert-{uid}",
            f"high-{uid}",
            f"old-blast-{uid}",
            f"new-blast-{uid}",
        ]


async def _count(http: httpx.AsyncClient, ids: set[str], n: int) -> bool:
    return len(await queue(http, ids)) == n
