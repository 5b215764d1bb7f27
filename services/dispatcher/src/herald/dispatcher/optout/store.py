"""Postgres behind OptOutStore: dispatcher.opt_outs, dispatcher.consent_audit (005); an
audit row is also the change's outbox entry until it is announced (008)."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import asyncpg

from herald.contracts import Category, Channel, ConsentSource
from herald.dispatcher.optout.changes import Cell, Change
from herald.runtime.db import Database


class PgOptOuts:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def apply(self, changes: Sequence[Change]) -> list[tuple[str, Change]]:
        applied = []
        async with self._db.pool.acquire() as conn, conn.transaction():
            for c in changes:
                if await _one(conn, c):
                    applied.append((f"consent-{uuid.uuid4().hex}", c))
                    await _audit(conn, *applied[-1])
        return applied

    async def announced(self, event_ids: Sequence[str]) -> None:
        await self._db.pool.execute(
            """UPDATE dispatcher.consent_audit SET announced = true
               WHERE event_id = ANY($1::text[]) AND NOT announced""",
            list(event_ids),
        )

    async def unannounced(self, older_than_s: float, limit: int) -> list[tuple[str, Change]]:
        rows = await self._db.pool.fetch(
            """SELECT event_id, tenant, recipient_id, category, channel, allowed, source,
                      evidence, delivery_id, at
               FROM dispatcher.consent_audit
               WHERE NOT announced AND recorded_at < now() - make_interval(secs => $1)
               ORDER BY recorded_at LIMIT $2""",
            older_than_s,
            limit,
        )
        return [(r["event_id"], _change(r)) for r in rows]

    async def opted_out(self, tenant: str, recipient_id: str) -> frozenset[Cell]:
        rows = await self._db.pool.fetch(
            """SELECT category, channel FROM dispatcher.opt_outs
               WHERE tenant = $1 AND recipient_id = $2""",
            tenant,
            recipient_id,
        )
        return frozenset((r["category"], r["channel"]) for r in rows)

    async def history(self, tenant: str, recipient_id: str, limit: int) -> list[dict[str, Any]]:
        """The recipient's audited changes, newest first."""
        rows = await self._db.pool.fetch(
            """SELECT event_id, category, channel, allowed, source, evidence, delivery_id, at
               FROM dispatcher.consent_audit WHERE tenant = $1 AND recipient_id = $2
               ORDER BY at DESC, recorded_at DESC LIMIT $3""",
            tenant,
            recipient_id,
            limit,
        )
        return [dict(r) for r in rows]

    async def remember_number(
        self, tenant: str, phone_key: str, provider: str, at: datetime
    ) -> None:
        await self._db.pool.execute(
            """INSERT INTO dispatcher.number_opt_outs (tenant, phone_key, provider, at)
               VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING""",
            tenant,
            phone_key,
            provider,
            at,
        )

    async def numbers_opted_out(
        self, profiles: Sequence[tuple[str, str, str]]
    ) -> list[tuple[str, str, str, datetime]]:
        """Of (tenant, recipient id, phone key): those whose number replied an opt-out,
        with the reply's provider and time."""
        if not profiles:
            return []
        tenants, ids, keys = (list(x) for x in zip(*profiles, strict=True))
        rows = await self._db.pool.fetch(
            """SELECT p.tenant, p.id, n.provider, n.at
               FROM unnest($1::text[], $2::text[], $3::text[]) AS p(tenant, id, phone_key)
               JOIN dispatcher.number_opt_outs n
                 ON n.tenant = p.tenant AND n.phone_key = p.phone_key""",
            tenants,
            ids,
            keys,
        )
        return [(r["tenant"], r["id"], r["provider"], r["at"]) for r in rows]

    async def by_phone(self, tenant: str, phone_key: str) -> list[str]:
        rows = await self._db.pool.fetch(
            """SELECT recipient_id FROM dispatcher.consent
               WHERE tenant = $1 AND phone_key = $2 AND NOT erased ORDER BY recipient_id""",
            tenant,
            phone_key,
        )
        return [r["recipient_id"] for r in rows]


async def _one(conn: asyncpg.Connection, c: Change) -> bool:
    key = (c.tenant, c.recipient_id, str(c.category), str(c.channel))
    if c.allowed:
        done = await conn.fetchval(
            """DELETE FROM dispatcher.opt_outs
               WHERE tenant = $1 AND recipient_id = $2 AND category = $3 AND channel = $4
               RETURNING true""",
            *key,
        )
    else:
        done = await conn.fetchval(
            """INSERT INTO dispatcher.opt_outs (tenant, recipient_id, category, channel, source, at)
               VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING true""",
            *key,
            str(c.source),
            c.at,
        )
    return bool(done)


def _change(r: asyncpg.Record) -> Change:
    return Change(
        r["tenant"], r["recipient_id"], Category(r["category"]), Channel(r["channel"]),
        r["allowed"], ConsentSource(r["source"]), r["at"], r["delivery_id"], r["evidence"],
    )  # fmt: skip


async def _audit(conn: asyncpg.Connection, event_id: str, c: Change) -> None:
    await conn.execute(
        """INSERT INTO dispatcher.consent_audit (event_id, tenant, recipient_id, category,
             channel, allowed, source, evidence, delivery_id, at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)""",
        event_id,
        c.tenant,
        c.recipient_id,
        str(c.category),
        str(c.channel),
        c.allowed,
        str(c.source),
        c.evidence[:500],
        c.delivery_id,
        c.at,
    )
