"""The delivery ledger is written once per delivery, with its outcome (issue 17.3), and
still tells a redelivered send apart: recorded (not sent again), parked (the retry loop
owns it) or unknown (sent, with the same delivery id as idempotency key)."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from herald.contracts import Channel
from herald.contracts.internal import OutcomeKind
from herald.dispatcher.adapters.postgres import PgLedger
from herald.dispatcher.domain.outcomes import Later, Progress, outcome
from tests.integration.dispatcher.harness import migrated_db
from tests.unit.dispatcher.builders import send

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)


@pytest.fixture
async def ledger(database_url: str) -> AsyncIterator[PgLedger]:
    async with migrated_db(database_url) as db:
        yield PgLedger(db)


async def rows(ledger: PgLedger, ids: list[str]) -> int:
    n: int = await ledger._db.pool.fetchval(
        "SELECT count(*) FROM dispatcher.deliveries WHERE delivery_id = ANY($1::text[])", ids
    )
    return n


async def test_a_send_seen_before_without_outcome_is_sent_again(ledger: PgLedger, uid: str) -> None:
    sends = [send(f"{uid}-{i}") for i in range(3)]
    assert await ledger.claim(sends) == {}
    assert await ledger.claim(sends) == {}  # a redelivery before any outcome: send again
    assert await rows(ledger, [s.delivery_id for s in sends]) == 0


async def test_a_recorded_outcome_is_kept_once_and_found_by_a_redelivery(
    ledger: PgLedger, uid: str
) -> None:
    sends = [send(f"{uid}-{i}") for i in range(3)]
    done = [outcome(s, OutcomeKind.SENT, NOW, channel=Channel.SMS) for s in sends]
    await ledger.finish(done)
    again = outcome(sends[0], OutcomeKind.FAILED, NOW, detail="a concurrent repeat")
    await ledger.finish([again, again, done[1]])  # repeats, inside one batch too

    claims = await ledger.claim([*sends, send(f"{uid}-new")])
    assert set(claims) == {s.delivery_id for s in sends}
    assert {c.outcome for c in claims.values()} == set(done)  # the first recorded stays
    assert await rows(ledger, [s.delivery_id for s in sends]) == 3


async def test_a_parked_send_waits_and_its_outcome_drops_the_retry(
    ledger: PgLedger, uid: str
) -> None:
    s = send(f"{uid}-parked")
    await ledger.park([Later(s, Progress(0, 1), NOW + timedelta(minutes=5))])
    [claim] = (await ledger.claim([s])).values()
    assert (claim.outcome, claim.waiting) == (None, True)

    await ledger.finish([outcome(s, OutcomeKind.DELIVERED, NOW, channel=Channel.SMS)])
    [claim] = (await ledger.claim([s])).values()
    assert claim.waiting is False
    assert claim.outcome is not None and claim.outcome.outcome == OutcomeKind.DELIVERED
    parked = "SELECT count(*) FROM dispatcher.retries WHERE delivery_id = $1"
    assert await ledger._db.pool.fetchval(parked, s.delivery_id) == 0
