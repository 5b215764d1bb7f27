"""The recipient directory: replace on a new value, erase on a tombstone, query by segment."""

from collections.abc import AsyncIterator, Sequence
from typing import Any

from herald.contracts import Audience, Recipient
from herald.runtime.service import Database

COLUMNS = "recipient_id, tenant, timezone, locale, contacts, tags, consent, quiet_hours"


def to_recipient(row: Any) -> Recipient:
    return Recipient.model_validate(dict(row))


class Directory:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def apply(self, changes: Sequence[tuple[str | None, str, Recipient | None]]) -> None:
        """(tenant, recipient_id, profile) or (None, recipient_id, None) to erase; the last
        change of a recipient id wins."""
        last: dict[str, Recipient | None] = {rid: value for _t, rid, value in changes}
        upserts = [v for v in last.values() if v is not None]
        erased = [rid for rid, v in last.items() if v is None]
        async with self._db.pool.acquire() as conn, conn.transaction():
            if upserts:
                await conn.executemany(
                    f"""INSERT INTO scheduler.recipients ({COLUMNS})
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
                        ON CONFLICT (tenant, recipient_id) DO UPDATE SET
                          timezone = EXCLUDED.timezone, locale = EXCLUDED.locale,
                          contacts = EXCLUDED.contacts, tags = EXCLUDED.tags,
                          consent = EXCLUDED.consent, quiet_hours = EXCLUDED.quiet_hours,
                          updated_at = now()""",  # noqa: S608 - constant column list
                    [_row(r) for r in upserts],
                )
            if erased:
                await conn.execute(
                    "DELETE FROM scheduler.recipients WHERE recipient_id = ANY($1::text[])",
                    erased,
                )

    async def fetch(self, tenant: str, ids: Sequence[str]) -> dict[str, Recipient]:
        rows = await self._db.pool.fetch(
            f"SELECT {COLUMNS} FROM scheduler.recipients "  # noqa: S608
            "WHERE tenant = $1 AND recipient_id = ANY($2::text[])",
            tenant,
            list(ids),
        )
        return {r["recipient_id"]: to_recipient(r) for r in rows}

    async def audience(
        self, tenant: str, audience: Audience, chunk: int
    ) -> AsyncIterator[list[tuple[str, Recipient | None]]]:
        """The audience in chunks, never all of it in memory at once."""
        if audience.recipients is not None:
            ids = list(dict.fromkeys(audience.recipients))
            for start in range(0, len(ids), chunk):
                part = ids[start : start + chunk]
                found = await self.fetch(tenant, part)
                yield [(rid, found.get(rid)) for rid in part]
            return
        seg = audience.segment
        tags_all = list(seg.tags_all) if seg else []
        tags_any = list(seg.tags_any) if seg else []
        tags_none = list(seg.tags_none) if seg else []
        after = ""
        while True:
            rows = await self._db.pool.fetch(
                f"""SELECT {COLUMNS} FROM scheduler.recipients
                    WHERE tenant = $1 AND recipient_id > $2
                      AND tags @> $3::text[]
                      AND (cardinality($4::text[]) = 0 OR tags && $4::text[])
                      AND NOT tags && $5::text[]
                    ORDER BY recipient_id LIMIT $6""",  # noqa: S608 - constant column list
                tenant,
                after,
                tags_all,
                tags_any,
                tags_none,
                chunk,
            )
            if not rows:
                return
            yield [(r["recipient_id"], to_recipient(r)) for r in rows]
            after = rows[-1]["recipient_id"]


def _row(r: Recipient) -> tuple[Any, ...]:
    return (
        r.recipient_id,
        r.tenant,
        r.timezone,
        r.locale,
        r.contacts.model_dump(mode="json"),
        list(r.tags),
        r.consent.model_dump(mode="json"),
        r.quiet_hours.model_dump(mode="json") if r.quiet_hours else None,
    )
