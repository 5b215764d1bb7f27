"""A consent change is announced at least once: stored, audited and marked unannounced in
one transaction, then published; a process that stops between the two leaves the audit
row unannounced, and the sweep publishes it later with the same event id (real Postgres;
the bus is a fake that can fail, as a broker that went away would)."""

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry, Counter

from herald.contracts import Category, Channel, ConsentSource, Topic
from herald.dispatcher.optout.changes import Change
from herald.dispatcher.optout.flow import OptOuts
from herald.dispatcher.optout.store import PgOptOuts
from herald.runtime.events import Item
from tests.integration.dispatcher.harness import migrated_db
from tests.support.fakes import FakeEventBus

pytestmark = pytest.mark.integration
NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@dataclass
class FlakyBus(FakeEventBus):
    down: bool = False

    async def publish_many(
        self, topic: Topic, items: Sequence[Item], headers: dict[str, str] | None = None
    ) -> None:
        if self.down:
            raise ConnectionError("broker unreachable")
        await super().publish_many(topic, items, headers)


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[PgOptOuts]:
    async with migrated_db(database_url) as db:
        yield PgOptOuts(db)


def flow(store: PgOptOuts, bus: FlakyBus) -> OptOuts:
    changed = Counter("consent_changes", "c", ["source", "direction"], registry=CollectorRegistry())
    return OptOuts(store, bus, changed, grace_s=0.0)


def link_opt_out(rid: str) -> Change:
    return Change("acme", rid, Category.MARKETING, Channel.EMAIL, False, ConsentSource.LINK,
                  NOW, delivery_id=f"d-{rid}", evidence="link in d")  # fmt: skip


async def test_a_change_whose_publish_failed_is_announced_by_the_sweep_once(
    store: PgOptOuts, uid: str
) -> None:
    bus = FlakyBus(down=True)
    optouts = flow(store, bus)
    # the broker is away: the change is kept and the caller (an opt-out page, an SMS
    # reply) is answered all the same; the announcement waits for the sweep
    assert await optouts.change([link_opt_out(f"u-{uid}")]) == 1
    assert bus.on(Topic.CONSENT) == []
    assert await store.opted_out("acme", f"u-{uid}") == {("marketing", "email")}  # kept

    bus.down = False
    while await optouts.announce_pending():  # other tests' leftovers drain too
        pass
    [event] = [p.json() for p in bus.on(Topic.CONSENT) if p.key == f"u-{uid}"]
    assert (event["allowed"], event["source"], event["delivery_id"]) == (
        False,
        "link",
        f"d-u-{uid}",
    )
    [history] = await store.history("acme", f"u-{uid}", 10)
    assert history["event_id"] == event["event_id"]  # the audited change's own id
    unsubscribed = [p.json() for p in bus.on(Topic.ENGAGEMENT) if p.key == f"d-u-{uid}"]
    assert [u["event_id"] for u in unsubscribed] == [f"unsubscribed-d-u-{uid}"]

    await optouts.announce_pending()  # announced now: never again
    assert len([p for p in bus.on(Topic.CONSENT) if p.key == f"u-{uid}"]) == 1


async def test_a_change_published_at_once_is_not_announced_again(
    store: PgOptOuts, uid: str
) -> None:
    bus = FlakyBus()
    optouts = flow(store, bus)
    assert await optouts.change([link_opt_out(f"v-{uid}")]) == 1
    while await optouts.announce_pending():
        pass
    assert len([p for p in bus.on(Topic.CONSENT) if p.key == f"v-{uid}"]) == 1
