"""The contract's own limit works: a request naming 100,000 recipients by id (ids of 128
characters, ~13 MB of JSON) is accepted over HTTP and over Kafka, passes review, and is
fanned out: the scheduler announces all 100,000 and gives each exactly one send (those
in the directory) or one outcome (the rest: no contact).

Intake, review and the scheduler run in this process on the real broker and Postgres.
The heaviest integration test: two requests of ~13 MB and 200,000 outcomes."""

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest

from herald.intake.main import create_app as intake_app
from herald.review.main import create_app as review_app
from herald.review.settings import ReviewSettings
from herald.scheduler.main import create_app as scheduler_app
from tests.integration.intake.harness import intake_settings
from tests.integration.scheduler.harness import settings as scheduler_settings
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.keys import bearer, write_keys
from tests.support.scheduler import recipient
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1800)]
N = 100_000
FAN_OUT_S = 1500
"""A guard, not a measurement: two fan-outs of 100,000 take about a minute on a quiet
2-core machine, and many times that on one eight people share."""


def ids(tag: str, n: int) -> list[str]:
    """n distinct ids of exactly 128 characters (the longest the contract allows)."""
    return [f"{tag}-{i:06d}-".ljust(128, "x") for i in range(n)]


def request(rid: str, recipients: list[str]) -> dict[str, Any]:
    return {
        "request_id": rid,
        "tenant": "acme",
        "requester": {"department": "marketing", "user": "li.wei"},
        "goal": "the contract's largest explicit audience",
        "category": "notification",
        "channels": ["sms"],
        "content": {"title": "Notice", "body": "【Herald】A notice to everyone named."},
        "audience": {"recipients": recipients},
    }


@contextlib.asynccontextmanager
async def pipeline(
    kafka: str, database_url: str, prefix: str, tmp_path: Path
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[tuple[str, str], str]]]:
    keys_file = tmp_path / "keys.json"
    keys = write_keys(keys_file)
    env = service_env(kafka, database_url, prefix, api_keys_file=str(keys_file))
    review = ReviewSettings(**env)
    async with (
        running(scheduler_app(scheduler_settings(kafka, database_url, prefix))),
        running(review_app(review)),
        running(intake_app(intake_settings(kafka, database_url, prefix, keys_file))) as http,
    ):
        yield http, keys


def released(watch: dict[str, TopicWatcher], rid: str, known: int) -> bool:
    """`dispatching` announced and a send seen for each known recipient."""
    statuses = [s.json()["status"] for s in watch["status"].for_key(rid)]
    sends = [i for i in watch["sends"].items() if i["request_id"] == rid]
    return "dispatching" in statuses and len(sends) >= known


def of_request(seen: list[Any], rid: str) -> int:
    """How many outcomes of the request the records carry, one or a batch each (only the
    records naming the request are decoded)."""
    needle = b'"request_id":"' + rid.encode() + b'"'
    return sum(len(s.items()) for s in seen if s.value is not None and needle in s.value)


async def test_100000_named_recipients_are_accepted_on_both_paths_and_each_fanned_out_once(
    kafka: str, database_url: str, uid: str, tmp_path: Path
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    known = [recipient(f"k{uid}-{i}".ljust(128, "k")) for i in range(3)]
    by_http, by_kafka = f"big-http-{uid}", f"big-kafka-{uid}"
    named = {
        by_http: [k.recipient_id for k in known] + ids(f"h{uid}", N - len(known)),
        by_kafka: [k.recipient_id for k in known] + ids(f"k{uid}", N - len(known)),
    }
    assert len(jbytes(request(by_http, named[by_http]))) > 13_000_000
    watch = {
        t: await TopicWatcher(kafka, prefix + f"push.{t}.v1").start()
        for t in ("status", "sends", "outcomes", "dlq")
    }
    try:
        async with pipeline(kafka, database_url, prefix, tmp_path) as (http, keys):
            await produce(
                kafka,
                prefix + "push.recipients.v1",
                [(k.recipient_id, k.model_dump_json().encode()) for k in known],
            )
            await eventually(
                lambda: _in_directory(database_url, len(known)), what="the directory", timeout=60
            )
            answer = await http.post(
                "/v1/requests",
                json=request(by_http, named[by_http]),
                headers=bearer(keys[("acme", "submitter")]),
                timeout=120,
            )
            assert answer.status_code == 202, answer.text
            await produce(
                kafka,
                prefix + "push.requests.v1",
                [(by_kafka, jbytes(request(by_kafka, named[by_kafka])))],
            )
            for rid in (by_http, by_kafka):
                await eventually(
                    lambda rid=rid: of_request(watch["outcomes"].seen, rid) == N - len(known),
                    what=f"{rid}: an outcome for every recipient not in the directory",
                    interval=1.0,
                    timeout=FAN_OUT_S,
                )
                # the suppressed outcomes come from planning; `dispatching` and the sends
                # from the release of the three known recipients, which may come after them
                await eventually(
                    lambda rid=rid: released(watch, rid, len(known)),
                    what=f"{rid}: dispatching and the known recipients' sends",
                    timeout=FAN_OUT_S,
                )
            statuses = {rid: [s.json() for s in watch["status"].for_key(rid)] for rid in named}
    finally:
        for w in watch.values():
            await w.stop()

    for rid in named:
        kinds = [s["status"] for s in statuses[rid]]
        assert kinds[:4] == ["accepted", "approved", "scheduled", "dispatching"], kinds
        scheduled = next(s for s in statuses[rid] if s["status"] == "scheduled")
        assert scheduled["counts"]["recipients"] == N
        assert scheduled["counts"]["suppressed"] == N - len(known)
        sends = watch["sends"].items()
        assert sorted(s["recipient_id"] for s in sends if s["request_id"] == rid) == sorted(
            k.recipient_id for k in known
        )
    assert not watch["dlq"].seen


async def _in_directory(database_url: str, n: int) -> bool:
    conn = await asyncpg.connect(database_url)
    try:
        return bool(await conn.fetchval("SELECT count(*) = $1 FROM scheduler.recipients", n))
    finally:
        await conn.close()
