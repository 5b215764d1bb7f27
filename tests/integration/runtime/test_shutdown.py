"""At shutdown a service's closers run while its event bus still publishes: the
dispatcher's background sends record their outcomes on the way out instead of failing
with "the event bus is not started" and leaving them to the parked-row retry."""

import pytest

from herald.contracts.topics import Topic
from herald.runtime.service import build_runtime, create_app
from herald.runtime.settings import ServiceSettings
from tests.support.kafka import TopicWatcher
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def test_closers_still_publish_when_the_service_stops_even_after_one_failed(
    kafka: str, database_url: str
) -> None:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    rt = build_runtime("tracker", ServiceSettings(**service_env(kafka, database_url, prefix)))
    published: list[str] = []

    async def last_words() -> None:
        await rt.events.publish(Topic.CONTACTS, "goodbye", b'{"said": "goodbye"}')
        published.append("goodbye")

    async def broken() -> None:
        raise RuntimeError("a closer that fails")

    rt.on_close(broken)  # the ones after it still run
    rt.on_close(last_words)
    watcher = await TopicWatcher(kafka, prefix + Topic.CONTACTS).start()
    try:
        async with running(create_app(rt)):
            pass
        assert published == ["goodbye"]
        [seen] = await eventually(lambda: watcher.for_key("goodbye"), what="the last record")
        assert seen.value == b'{"said": "goodbye"}'
    finally:
        await watcher.stop()
