"""The in-app inbox stores a batch in one write, against a real Postgres."""

from collections.abc import AsyncIterator

import asyncpg
import pytest

from herald.contracts import Channel
from herald.dispatcher.domain.rendering import render
from herald.dispatcher.manifest import MANIFEST
from herald.dispatcher.providers.base import Result
from herald.dispatcher.providers.inbox import InboxProvider, PgInbox
from herald.runtime.db import Database, migrate
from tests.unit.dispatcher.builders import send

pytestmark = pytest.mark.integration
MIGRATIONS = MANIFEST.migrations
assert MIGRATIONS is not None


@pytest.fixture
async def inbox(database_url: str) -> AsyncIterator[PgInbox]:
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    await migrate(pool, "dispatcher", MIGRATIONS)
    db = Database()
    db.attach(pool)
    try:
        yield PgInbox(db)
    finally:
        await pool.close()


async def test_a_batch_is_stored_once_and_a_repeat_changes_nothing(inbox: PgInbox) -> None:
    def item(i: int):  # type: ignore[no-untyped-def]
        return render(
            send(f"in-{i}", channels=("in_app",), recipient_id=f"u-{i % 3}"), Channel.IN_APP
        )

    provider = InboxProvider(inbox)
    batch = [item(i) for i in range(300)]
    attempts = await provider.send_many(batch)
    again = await provider.send_many([item(0), item(1)])  # a redelivered part of it
    assert {a.result for a in attempts + again} == {Result.SENT}
    listed = await inbox.list("acme", "u-0", unread=False, limit=500)
    assert len(listed) == 100
    assert {i.delivery_id for i in listed} == {f"in-{i}" for i in range(0, 300, 3)}
    assert listed[0].title == "Sale"
