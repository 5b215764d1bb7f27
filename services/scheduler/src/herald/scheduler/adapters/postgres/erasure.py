"""Taking erased recipients out of the batch rows (`recipients.replace`).

A send still waiting for them is made due now: its release finds no profile and ends it
`suppressed` (`no_contact`), so the request still completes. Their released sends are
forgotten (engagement then finds nothing for them; their `capped_sends` rows go with
their other rows, `recipients._DELETE`). Rows are read by
their recipient arrays and rewritten whole: erasures are rare, releases are not.

Lock order: the timer rows first (waiting for a release that holds them), before the
erasure deletes any cap row, since a release holding timer rows goes on to lock cap rows.
"""

import dataclasses
from collections.abc import Sequence
from datetime import datetime

import asyncpg

from herald.scheduler.adapters.postgres.batches import BATCH, insert_timers, timers_of
from herald.scheduler.domain.model import RecipientKey, Timer

_WAITING = f"""
SELECT {BATCH}, t.delivery_ids[t.taken + 1:] AS delivery_ids,
       t.recipient_ids[t.taken + 1:] AS recipient_ids, now() AS now
FROM scheduler.timer_batches t
WHERE t.tenant = ANY($1::text[]) AND t.recipient_ids[t.taken + 1:] && $2::text[]
ORDER BY t.id FOR UPDATE
"""  # noqa: S608 - constant column list

_RELEASED = """
SELECT id, tenant, delivery_ids, recipient_ids FROM scheduler.released_batches
WHERE tenant = ANY($1::text[]) AND recipient_ids && $2::text[]
ORDER BY id FOR UPDATE
"""


async def erase_sends(conn: asyncpg.Connection, erased: Sequence[RecipientKey]) -> None:
    keys = set(erased)
    tenants, ids = sorted({t for t, _ in keys}), sorted({r for _, r in keys})
    rows = await conn.fetch(_WAITING, tenants, ids)
    hit = [r for r in rows if any((r["tenant"], rid) in keys for rid in r["recipient_ids"])]
    if hit:
        await conn.execute(
            "DELETE FROM scheduler.timer_batches WHERE id = ANY($1::bigint[])",
            [r["id"] for r in hit],
        )
        back: list[Timer] = []
        for r in hit:
            for t in timers_of(r, r["delivery_ids"], r["recipient_ids"]):
                gone = (t.tenant, t.recipient_id) in keys
                back.append(t if not gone else _due_now(t, r["now"]))
        await insert_timers(conn, back)
    await _forget_released(conn, keys, tenants, ids)


def _due_now(t: Timer, now: datetime) -> Timer:
    return dataclasses.replace(t, due_at=min(t.due_at, now))


async def _forget_released(
    conn: asyncpg.Connection, keys: set[RecipientKey], tenants: list[str], ids: list[str]
) -> None:
    rows = await conn.fetch(_RELEASED, tenants, ids)
    gone: list[int] = []
    kept: list[tuple[object, ...]] = []
    for r in rows:
        cols = zip(r["delivery_ids"], r["recipient_ids"], strict=True)
        left = [c for c in cols if (r["tenant"], c[1]) not in keys]
        if not left:
            gone.append(r["id"])
        elif len(left) < len(r["delivery_ids"]):
            kept.append((r["id"], *(list(c) for c in zip(*left, strict=True))))
    if gone:
        await conn.execute(
            "DELETE FROM scheduler.released_batches WHERE id = ANY($1::bigint[])", gone
        )
    if kept:
        await conn.executemany(
            """UPDATE scheduler.released_batches SET delivery_ids = $2, recipient_ids = $3
               WHERE id = $1""",
            kept,
        )
