"""The Postgres adapters of the dispatcher's ports (parameterised SQL only).

The views keep consent only, never contacts."""

from collections.abc import Callable, Sequence
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from herald.contracts import Recipient
from herald.contracts.internal import CancelRequested, Outcome, Send
from herald.dispatcher.adapters import erasure
from herald.dispatcher.domain.consent import ConsentRow
from herald.dispatcher.domain.lanes import Lane, lane_of
from herald.dispatcher.domain.outcomes import Later, Progress
from herald.dispatcher.ports import Claim
from herald.runtime.db import Database


def _progress(raw: dict[str, Any]) -> Progress:
    return Progress(int(raw["route"]), int(raw["attempt"]), tuple(raw.get("evidence", ())))


class PgLedger:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def claim(self, sends: Sequence[Send]) -> dict[str, Claim]:
        """A read: the ledger row is written once, with its outcome (`finish`). A send
        seen before without one (a crash during the call) is not in the ledger, and is
        sent again with the same delivery id as idempotency key, as it was when the
        claim wrote a row first. Only the sends seen before come back (a first delivery,
        nearly every send, costs no row to decode)."""
        rows = await self._db.pool.fetch(
            """SELECT x.delivery_id, x.outcome, x.waiting
               FROM (SELECT k.id AS delivery_id, d.outcome,
                            EXISTS (SELECT 1 FROM dispatcher.retries r
                                    WHERE r.delivery_id = k.id) AS waiting
                     FROM unnest($1::text[]) AS k(id)
                     LEFT JOIN dispatcher.deliveries d ON d.delivery_id = k.id) x
               WHERE x.outcome IS NOT NULL OR x.waiting""",
            [s.delivery_id for s in sends],
        )
        return {
            r["delivery_id"]: Claim(
                Outcome.model_validate(r["outcome"]) if r["outcome"] else None,
                bool(r["waiting"]),
            )
            for r in rows
        }

    async def finish(self, outcomes: Sequence[Outcome]) -> None:
        """One statement per batch: each delivery's row inserted with its outcome (the
        first recorded stays: a concurrent repeat's is the same delivery's, and tracker
        keeps the first too) and any parked retry of it dropped."""
        first = list({o.delivery_id: o for o in reversed(outcomes)}.values())
        if not first:
            return
        await self._db.pool.execute(
            """WITH parked AS (
                   DELETE FROM dispatcher.retries WHERE delivery_id = ANY($1::text[]))
               INSERT INTO dispatcher.deliveries AS d
                   (delivery_id, tenant, request_id, outcome)
               SELECT i, t, r, o::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
                   AS x(i, t, r, o)
               ON CONFLICT (delivery_id) DO UPDATE
                 SET outcome = EXCLUDED.outcome, updated_at = now()
                 WHERE d.outcome IS NULL""",
            [o.delivery_id for o in first],
            [o.tenant for o in first],
            [o.request_id for o in first],
            [o.model_dump_json() for o in first],  # serialised in one call each, as text
        )

    async def park(self, later: Sequence[Later]) -> None:
        if not later:
            return
        await self._db.pool.executemany(
            """INSERT INTO dispatcher.retries
                 (delivery_id, tenant, send, progress, not_before, lane)
               VALUES ($1, $2, $3, $4, $5, $6)
               ON CONFLICT (delivery_id) DO UPDATE SET
                 send = EXCLUDED.send, progress = EXCLUDED.progress,
                 not_before = EXCLUDED.not_before""",
            [
                (
                    x.send.delivery_id,
                    x.send.tenant,
                    x.send.model_dump(mode="json"),
                    asdict(x.progress),
                    x.not_before,
                    lane_of(x.send),
                )
                for x in later
            ],
        )

    async def due(
        self, now: datetime, limit: int, lease: timedelta, lanes: Sequence[Lane]
    ) -> list[tuple[Send, Progress]]:
        rows = await self._db.pool.fetch(
            """UPDATE dispatcher.retries r SET not_before = $2
               FROM (SELECT delivery_id FROM dispatcher.retries
                     WHERE lane = ANY($4::text[]) AND not_before <= $1
                     ORDER BY not_before LIMIT $3 FOR UPDATE SKIP LOCKED) due
               WHERE r.delivery_id = due.delivery_id
               RETURNING r.send, r.progress""",
            now,
            now + lease,
            limit,
            list(lanes),
        )
        return [(Send.model_validate(r["send"]), _progress(r["progress"])) for r in rows]


class PgViews:
    def __init__(
        self, db: Database, phone_key: Callable[[str, str | None], str | None] | None = None
    ) -> None:
        """`phone_key`: the keyed hash kept of a profile's number (SMS replies find it)."""
        self._db, self._phone_key = db, phone_key or (lambda _t, _p: None)

    async def cancelled(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]:
        if not keys:
            return set()
        tenants, ids = zip(*sorted(keys), strict=True)
        rows = await self._db.pool.fetch(
            """SELECT c.tenant, c.request_id FROM dispatcher.cancels c
               JOIN unnest($1::text[], $2::text[]) AS k(tenant, request_id)
                 ON c.tenant = k.tenant AND c.request_id = k.request_id""",
            list(tenants),
            list(ids),
        )
        return {(r["tenant"], r["request_id"]) for r in rows}

    async def consent(self, keys: Sequence[tuple[str, str]]) -> dict[tuple[str, str], ConsentRow]:
        """A tenant's own row, else a row erased by a tombstone from before tombstones
        were tenant-scoped (tenant '': it erased the id in every tenant; migration 003);
        an erasure marker (`erasure`) erases unless the id has a profile in its own
        tenant again. One round trip: this is on every batch's path."""
        if not keys:
            return {}
        tenants, ids = zip(*sorted(set(keys)), strict=True)
        rows = await self._db.pool.fetch(erasure.CONSENT, list(tenants), list(ids))
        found: dict[tuple[str, str], ConsentRow] = {}
        own: set[tuple[str, str]] = set()
        for r in rows:  # a tenant's own row comes last, and wins
            key = (r["tenant"], r["id"])
            if r["own"] is not None:
                found[key] = ConsentRow(r["marketing"], dict(r["channels"] or ()), r["erased"])
                if r["own"] != "":
                    own.add(key)
            if r["marked"] and key not in own:
                found[key] = ConsentRow(False, {}, True)
        return with_opt_outs(found, await self._opt_outs(tenants, ids))

    async def _opt_outs(
        self, tenants: Sequence[str], ids: Sequence[str]
    ) -> dict[tuple[str, str], frozenset[tuple[str, str]]]:
        rows = await self._db.pool.fetch(
            """SELECT o.tenant, o.recipient_id, o.category, o.channel
               FROM unnest($1::text[], $2::text[]) AS k(tenant, id)
               JOIN dispatcher.opt_outs o ON o.tenant = k.tenant AND o.recipient_id = k.id""",
            list(tenants),
            list(ids),
        )
        out: dict[tuple[str, str], set[tuple[str, str]]] = {}
        for r in rows:
            out.setdefault((r["tenant"], r["recipient_id"]), set()).add(
                (r["category"], r["channel"])
            )
        return {k: frozenset(v) for k, v in out.items()}

    async def add_cancels(self, cancels: Sequence[CancelRequested]) -> None:
        await self._db.pool.executemany(
            """INSERT INTO dispatcher.cancels (tenant, request_id, at) VALUES ($1, $2, $3)
               ON CONFLICT DO NOTHING""",
            [(c.tenant, c.request_id, c.at) for c in cancels],
        )

    async def apply_recipients(self, changes: Sequence[tuple[str, str, Recipient | None]]) -> None:
        last = {(tenant, rid): r for tenant, rid, r in changes}
        kept = [(key, r) for key, r in last.items() if r is not None]
        gone = sorted(key for key, r in last.items() if r is None)
        async with self._db.pool.acquire() as conn, conn.transaction():
            await conn.executemany(
                """INSERT INTO dispatcher.consent
                     (tenant, recipient_id, marketing, channels, erased, phone_key)
                   VALUES ($1, $2, $3, $4, false, $5)
                   ON CONFLICT (tenant, recipient_id) DO UPDATE SET
                     marketing = EXCLUDED.marketing, channels = EXCLUDED.channels,
                     erased = false, phone_key = EXCLUDED.phone_key, updated_at = now()""",
                [
                    (
                        t,
                        rid,
                        r.consent.marketing,
                        {str(k): v for k, v in r.consent.channels.items()},
                        self._phone_key(t, r.contacts.phone),
                    )
                    for (t, rid), r in kept
                ],
            )
            await erasure.restore(conn, [key for key, _ in kept])
            await erasure.erase(conn, gone)


def with_opt_outs(
    rows: dict[tuple[str, str], ConsentRow],
    opt_outs: dict[tuple[str, str], frozenset[tuple[str, str]]],
) -> dict[tuple[str, str], ConsentRow]:
    """The view's rows narrowed by the recipients' own opt-outs (one not in the view
    otherwise keeps the Send's channels: marketing stays as the Send has it)."""
    out = dict(rows)
    for key, blocked in opt_outs.items():
        row = out.get(key) or ConsentRow(marketing=True, channels={})
        out[key] = ConsentRow(row.marketing, row.channels, row.erased, blocked)
    return out
