"""The dry-run stack for the module (tests.integration.dryrun.harness)."""

import uuid
from collections.abc import AsyncIterator, Iterator

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
from tests.support.keys import add_key, write_keys
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


@pytest.fixture(autouse=True)
def own_submitter(stack: DryRunStack, uid: str) -> Iterator[None]:
    """The test's own submitter key (`user-<uid>` of `dept-<uid>`, whom `request_body`
    names), so that strikes and standing never touch other tests."""
    key = f"key-{uid}"
    add_key(stack.keys_file, f"acme-{uid}", key, "acme", "submitter", f"user-{uid}", f"dept-{uid}")
    shared = stack.keys[("acme", "submitter")]
    stack.keys[("acme", "submitter")] = key
    yield
    stack.keys[("acme", "submitter")] = shared
