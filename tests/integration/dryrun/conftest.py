"""The dry-run stack for the module (tests.integration.dryrun.harness)."""

import uuid
from collections.abc import AsyncIterator

import pytest

from herald.devstack.postgres import create_database
from herald.intake.main import create_app as intake_app
from herald.intake.settings import IntakeSettings
from herald.review.main import create_app as review_app
from herald.review.settings import ReviewSettings
from herald.scheduler.main import create_app as scheduler_app
from herald.scheduler.settings import SchedulerSettings
from tests.integration.dryrun.harness import SCHEDULER, DryRunStack, Restartable, env
from tests.support.kafka import TopicWatcher
from tests.support.keys import write_keys
from tests.support.serve import serving
from tests.support.service import create_topics, new_prefix, running


@pytest.fixture(scope="module")
async def stack(
    kafka: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[DryRunStack]:
    database_url = await create_database(pg_admin_url, f"dryrun_{uuid.uuid4().hex[:10]}")
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    keys_file = tmp_path_factory.mktemp("dryrun") / "keys.json"
    keys = write_keys(keys_file)
    base = env(kafka, database_url, prefix, keys_file)
    topics = ("status", "accepted", "approved")
    watch = {t: await TopicWatcher(kafka, prefix + f"push.{t}.v1").start() for t in topics}
    review = Restartable(lambda: review_app(ReviewSettings(**base)))
    await review.start()
    try:
        async with (
            serving(scheduler_app(SchedulerSettings(**base, **SCHEDULER))) as sched_url,
            running(
                intake_app(IntakeSettings(**base, review_url=review.url, scheduler_url=sched_url))
            ) as http,
        ):
            yield DryRunStack(
                http,
                keys,
                kafka,
                prefix,
                database_url,
                review.url,
                sched_url,
                keys_file,
                watch,
                review,
            )
    finally:
        await review.stop()
        for w in watch.values():
            await w.stop()
