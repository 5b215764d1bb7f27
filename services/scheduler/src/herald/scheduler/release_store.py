"""Writing a release's decisions in its claim transaction (before the commit)."""

from datetime import datetime
from typing import TYPE_CHECKING

from herald.scheduler import caps_store
from herald.scheduler.claim import Claim

if TYPE_CHECKING:
    from herald.scheduler.release import Batch


async def finish(claim: Claim, batch: "Batch", now: datetime) -> None:
    conn = claim.conn
    deferred = {d[0] for d in batch.deferrals}
    done = [d.delivery_id for d in claim.due if d.delivery_id not in deferred]
    if done:
        await conn.execute("DELETE FROM scheduler.timers WHERE delivery_id = ANY($1::text[])", done)
    if batch.deferrals:
        await conn.execute(
            """UPDATE scheduler.timers t SET due_at = x.due, deferred = string_to_array(x.why, ',')
               FROM unnest($1::text[], $2::timestamptz[], $3::text[]) AS x(id, due, why)
               WHERE t.delivery_id = x.id""",
            [d[0] for d in batch.deferrals],
            [d[1] for d in batch.deferrals],
            [",".join(d[2]) for d in batch.deferrals],
        )
    if batch.released:
        await conn.execute(
            """INSERT INTO scheduler.released (delivery_id, tenant, recipient_id, released_at)
               SELECT d, t, r, $4 FROM unnest($1::text[], $2::text[], $3::text[]) AS x(d, t, r)
               ON CONFLICT (delivery_id) DO NOTHING""",
            [d.delivery_id for d in batch.released],
            [d.tenant for d in batch.released],
            [d.recipient_id for d in batch.released],
            now,
        )
    await caps_store.save_usage(conn, batch.changed)
    await _debit(claim, batch, now)


async def _debit(claim: Claim, batch: "Batch", now: datetime) -> None:
    """Take the sends out of each paced lane's bucket."""
    used: dict[tuple[str, str], int] = {}
    for d in batch.released:
        used[(d.tenant, d.lane)] = used.get((d.tenant, d.lane), 0) + 1
    paced = [ln for ln in claim.lanes if ln.rate is not None]
    if not paced:
        return
    await claim.conn.execute(
        """UPDATE scheduler.lanes l SET tokens = x.tokens, refilled_at = $4
           FROM unnest($1::text[], $2::text[], $3::float8[]) AS x(tenant, lane, tokens)
           WHERE l.tenant = x.tenant AND l.lane = x.lane""",
        [ln.tenant for ln in paced],
        [ln.lane for ln in paced],
        [max(0.0, ln.tokens - used.get((ln.tenant, ln.lane), 0)) for ln in paced],
        now,
    )
