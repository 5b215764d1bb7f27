"""An audience as one SQL relation: counted, then streamed, in the same snapshot.

Each row says whether the recipient is suppressed (and why) and which of the request's
channels they can be reached on, in preference order: the SQL mirror of
`domain.reach`. Counting and streaming run in one REPEATABLE READ transaction, so the
number announced in `scheduled` is exactly the number of rows streamed.
"""

import asyncio
import contextlib
from collections.abc import AsyncGenerator
from dataclasses import dataclass
from typing import Any

import asyncpg

from herald.contracts import Category, Channel, PushRequest

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


@dataclass(frozen=True, slots=True)
class Member:
    recipient_id: str
    reason: str | None
    channels: tuple[str, ...]
    timezone: str | None
    quiet_hours: dict[str, str] | None


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
    sql = f"""SELECT r.recipient_id, {cols} FROM scheduler.recipients r
              WHERE {" AND ".join(where)} ORDER BY r.recipient_id"""  # noqa: S608
    return sql, args


async def count(conn: asyncpg.Connection, req: PushRequest, after: str) -> dict[str | None, int]:
    """Audience size by suppression reason (None: reachable)."""
    sql, args = relation(req, after)
    rows = await conn.fetch(
        f"SELECT reason, count(*) AS n FROM ({sql}) a GROUP BY reason",  # noqa: S608
        *args,
    )
    return {r["reason"]: r["n"] for r in rows}


async def stream(
    conn: asyncpg.Connection, req: PushRequest, after: str, chunk: int
) -> AsyncGenerator[list[Member], None]:
    """The audience in recipient-id order, `chunk` rows at a time (inside a transaction).

    The next chunk is fetched while the caller works on this one (two in memory at most).
    Close it with `contextlib.aclosing` so an early stop cancels the read in flight."""
    sql, args = relation(req, after)
    cursor = await conn.cursor(sql, *args)
    pending = asyncio.ensure_future(cursor.fetch(chunk))
    try:
        while rows := await pending:
            pending = asyncio.ensure_future(cursor.fetch(chunk))
            yield [_member(r) for r in rows]
    finally:
        if not pending.done():
            pending.cancel()
            with contextlib.suppress(asyncio.CancelledError, asyncpg.PostgresError):
                await pending


def _member(r: Any) -> Member:
    return Member(
        r["recipient_id"], r["reason"], tuple(r["channels"]), r["timezone"], r["quiet_hours"]
    )
