"""An audience as one SQL relation: counted, then streamed, in the same snapshot.

Each row says whether the recipient is suppressed (and why) and which of the request's
channels they can be reached on, in preference order: the SQL mirror of
`domain.reach`. A snapshot is one REPEATABLE READ read-only transaction, so the number
announced in `scheduled` is exactly the number of rows streamed.
"""

import asyncio
import contextlib
import math
from collections.abc import AsyncGenerator, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import Any

import asyncpg

from herald.contracts import Category, Channel, PushRequest
from herald.runtime.db import Database
from herald.runtime.lane import sliced
from herald.scheduler.adapters.postgres import forecast
from herald.scheduler.adapters.postgres.connection import OnConnection, working
from herald.scheduler.adapters.postgres.rows import member_of, usage_of
from herald.scheduler.domain.caps import Usage
from herald.scheduler.domain.forecast_lanes import Backlog
from herald.scheduler.domain.model import Member
from herald.scheduler.domain.outlook import QueuedSend
from herald.scheduler.domain.pacing import Bucket

_HASH_RANGE = 2**31
_CONTACT = {
    Channel.SMS: "coalesce(r.contacts->>'phone', '') <> ''",
    Channel.EMAIL: "coalesce(r.contacts->>'email', '') <> ''",
    Channel.APP_PUSH: "jsonb_array_length(coalesce(r.contacts->'push_tokens', '[]')) > 0",
    Channel.WEBHOOK: "coalesce(r.contacts->>'webhook', '') <> ''",
    Channel.SOCIAL: "coalesce(r.contacts->>'wechat_openid', '') <> ''",
    Channel.IN_APP: "true",
}


def _consent(c: Channel) -> str:
    return f"coalesce((r.consent->'channels'->>'{c}')::boolean, true)"


def _columns(req: PushRequest) -> str:
    """Built from the channel enum only: no request text reaches the SQL."""
    chans = req.channels
    usable = " OR ".join(f"({_CONTACT[c]} AND {_consent(c)})" for c in chans)
    reachable = " OR ".join(f"({_CONTACT[c]})" for c in chans)
    pick = ", ".join(f"CASE WHEN {_CONTACT[c]} AND {_consent(c)} THEN '{c}' END" for c in chans)
    marketing = "true" if req.category == Category.MARKETING else "false"
    return f"""
        CASE WHEN r.recipient_id IS NULL THEN 'no_contact'
             WHEN {marketing} AND NOT coalesce((r.consent->>'marketing')::boolean, false)
               THEN 'opted_out'
             WHEN NOT ({reachable}) THEN 'no_contact'
             WHEN NOT ({usable}) THEN 'opted_out' END AS reason,
        array_remove(ARRAY[{pick}]::text[], NULL) AS channels,
        r.timezone, r.quiet_hours"""


def relation(req: PushRequest, after: str) -> tuple[str, list[Any]]:
    """(SELECT ... ORDER BY recipient_id, args) for the audience after `after`."""
    aud = req.audience
    cols = _columns(req)
    if aud.recipients is not None:
        ids = sorted(set(aud.recipients))
        sql = f"""SELECT a.id AS recipient_id, {cols}
                  FROM unnest($2::text[]) AS a(id)
                  LEFT JOIN scheduler.recipients r ON r.tenant = $1 AND r.recipient_id = a.id
                  WHERE a.id > $3 ORDER BY a.id"""  # noqa: S608 - built from constants
        return sql, [req.tenant, ids, after]
    where: list[str] = ["r.tenant = $1", "r.recipient_id > $2"]
    args: list[Any] = [req.tenant, after]
    seg = aud.segment
    if seg is not None:
        for op, tags in (("r.tags @>", seg.tags_all), ("r.tags &&", seg.tags_any)):
            if tags:
                args.append(list(tags))
                where.append(f"{op} ${len(args)}::text[]")
        if seg.tags_none:
            args.append(list(seg.tags_none))
            where.append(f"NOT r.tags && ${len(args)}::text[]")
        for key, values in sorted(seg.attributes.items()):
            # one of the values: `@>` on each, so the GIN index finds them
            args.append([{key: v} for v in values])
            where.append(f"r.attributes @> ANY(${len(args)}::jsonb[])")
    sql = f"""SELECT r.recipient_id, {cols} FROM scheduler.recipients r
              WHERE {" AND ".join(where)} ORDER BY r.recipient_id"""  # noqa: S608
    return sql, args


class PostgresAudience:
    def __init__(self, db: Database) -> None:
        self._db = db

    def snapshot(self) -> AbstractAsyncContextManager["Snapshot"]:
        return working(self._db, Snapshot, isolation="repeatable_read", readonly=True)

    async def listed(self, request: PushRequest, after: str) -> list[Member]:
        sql, args = relation(request, after)
        return [member_of(r) for r in await self._db.pool.fetch(sql, *args)]


def _members(rows: Sequence[asyncpg.Record]) -> list[Member]:
    return [member_of(r) for r in rows]


class Snapshot(OnConnection):
    async def count(self, request: PushRequest, after: str) -> dict[str | None, int]:
        sql, args = relation(request, after)
        found = await self._conn.fetch(
            f"SELECT reason, count(*) AS n FROM ({sql}) a GROUP BY reason",  # noqa: S608
            *args,
        )
        return {r["reason"]: r["n"] for r in found}

    def stream(
        self, request: PushRequest, after: str, chunk: int
    ) -> AsyncGenerator[list[Member], None]:
        sql, args = relation(request, after)
        return self._chunks(sql, args, chunk, ahead=True)

    def reachable(
        self, request: PushRequest, share: float, limit: int, chunk: int
    ) -> AsyncGenerator[list[Member], None]:
        sql, args = relation(request, "")
        n = len(args)
        bounded = f"""SELECT * FROM ({sql}) a WHERE a.reason IS NULL
                        AND (hashtext(a.recipient_id) & 2147483647)::bigint < ${n + 1}::bigint
                      LIMIT ${n + 2}"""  # noqa: S608 - built from constants
        args += [math.ceil(_HASH_RANGE * share), max(limit, 1)]
        return self._chunks(bounded, args, chunk, ahead=False)

    async def usage(self, tenant: str, ids: Sequence[str]) -> dict[str, dict[str, Usage]]:
        found = await self._conn.fetch(
            """SELECT tenant, recipient_id, scope, day, sent, last_at FROM scheduler.caps
               WHERE tenant = $1 AND recipient_id = ANY($2::text[])""",
            tenant,
            list(ids),
        )
        return {rid: u for (_t, rid), u in usage_of(found).items()}

    async def lanes(self, tenant: str, lanes: Sequence[str]) -> list[Bucket]:
        return await forecast.lane_buckets(self._conn, tenant, lanes)

    async def backlog(self, tenant: str, lanes: Sequence[str], now: datetime) -> list[Backlog]:
        return await forecast.lane_backlog(self._conn, tenant, lanes, now)

    async def queued(self, tenant: str, ids: Sequence[str]) -> dict[str, list[QueuedSend]]:
        return await forecast.queued_sends(self._conn, tenant, ids)

    async def _chunks(
        self, sql: str, args: list[Any], chunk: int, *, ahead: bool
    ) -> AsyncGenerator[list[Member], None]:
        """Rows through a server-side cursor. `ahead`: the next chunk is fetched while the
        caller works on this one (two in memory at most; the caller must not use this
        snapshot meanwhile). Close it with `contextlib.aclosing` so an early stop cancels
        the read in flight."""
        cursor = await self._conn.cursor(sql, *args)
        if not ahead:
            while found := await cursor.fetch(chunk):
                yield [member_of(r) for r in found]
            return
        pending = asyncio.ensure_future(cursor.fetch(chunk))
        try:
            while found := await pending:
                pending = asyncio.ensure_future(cursor.fetch(chunk))
                yield [m for some in await sliced(_members, found, 1000) for m in some]
        finally:
            if not pending.done():
                pending.cancel()
                with contextlib.suppress(asyncio.CancelledError, asyncpg.PostgresError):
                    await pending
