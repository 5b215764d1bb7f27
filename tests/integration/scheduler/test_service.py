"""The scheduler as a service on the real broker and Postgres: topics in and out."""

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from herald.contracts import Channel
from herald.contracts.internal import CancelRequested, ContactInvalidated
from herald.scheduler.main import create_app
from tests.integration.scheduler.harness import approve, payloads, settings
from tests.support.kafka import TopicWatcher, produce
from tests.support.scheduler import push_request, recipient
from tests.support.service import create_topics, new_prefix, running
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_service_plans_releases_cancels_and_keeps_the_directory(
    kafka: str, database_url: str, uid: str
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    watch = {
        t: await TopicWatcher(kafka, prefix + f"push.{t}.v1").start()
        for t in ("status", "sends", "outcomes")
    }
    users = [recipient(f"u{uid}-{i}") for i in range(4)]
    try:
        async with running(create_app(settings(kafka, database_url, prefix))) as http:
            await produce(
                kafka,
                prefix + "push.recipients.v1",
                [(u.recipient_id, u.model_dump_json().encode()) for u in users]
                + [(users[3].recipient_id, None)],  # erased again
            )
            conn = await asyncpg.connect(database_url)
            try:
                await eventually(
                    lambda: conn.fetchval("SELECT count(*) = 3 FROM scheduler.recipients"),
                    what="the directory",
                )
                dead = ContactInvalidated(
                    tenant="acme",
                    recipient_id=users[0].recipient_id,
                    channel=Channel.SMS,
                    contact="+8613800000000",
                    reason="unknown number",
                    at=datetime.now(UTC),
                )
                await produce(
                    kafka,
                    prefix + "push.contacts.v1",
                    [(dead.recipient_id, dead.model_dump_json().encode())],
                )
                await eventually(
                    lambda: conn.fetchval(
                        "SELECT contacts->>'phone' IS NULL FROM scheduler.recipients "
                        "WHERE recipient_id = $1",
                        dead.recipient_id,
                    ),
                    what="the dead phone dropped",
                )
            finally:
                await conn.close()

            now = datetime.now(UTC)
            ids = [u.recipient_id for u in users]
            await approve(kafka, prefix, push_request(f"now-{uid}", {"recipients": ids}), now)
            later = {"send_at": (now + timedelta(days=7)).isoformat()}
            week = push_request(f"week-{uid}", {"recipients": ids}, schedule=later)
            await approve(kafka, prefix, week, now)

            sends = await eventually(
                lambda: len(watch["sends"].seen) >= 3 and payloads(watch["sends"].seen),
                what="three sends",
            )
            assert {s["recipient_id"] for s in sends} == set(ids[:3])
            first = next(s for s in sends if s["recipient_id"] == ids[0])
            assert first["channels"] == ["app_push"]  # the dead phone is gone
            lifecycle = await eventually(
                lambda: (
                    [s["status"] for s in payloads(watch["status"].for_key(f"now-{uid}"))][1:]
                    and [s["status"] for s in payloads(watch["status"].for_key(f"now-{uid}"))]
                ),
                what="dispatching",
            )
            assert lifecycle == ["scheduled", "dispatching"]

            await eventually(
                lambda: payloads(watch["status"].for_key(f"week-{uid}")), what="week scheduled"
            )
            cancel = CancelRequested(tenant="acme", request_id=f"week-{uid}", by="x", at=now)
            await produce(
                kafka,
                prefix + "push.cancels.v1",
                [(cancel.request_id, cancel.model_dump_json().encode())],
            )
            outcomes = await eventually(
                lambda: [
                    o
                    for o in payloads(watch["outcomes"].seen)
                    if o["request_id"] == f"week-{uid}" and o["outcome"] == "cancelled"
                ],
                what="cancelled outcomes",
            )
            assert len(outcomes) == 3
            metrics = (await http.get("/metrics")).text
            for name in (
                "herald_scheduler_timers_pending",
                "herald_scheduler_timer_lag_seconds",
                "herald_scheduler_sends_released_total",
                "herald_scheduler_suppressions_total",
                "herald_scheduler_expansion_seconds",
            ):
                assert name in metrics
    finally:
        for w in watch.values():
            await w.stop()
