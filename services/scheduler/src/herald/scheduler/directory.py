"""The recipient directory: replace on a new value, erase on a tombstone, drop dead contacts."""

from collections.abc import Sequence
from typing import Any

from herald.contracts import Recipient
from herald.contracts.internal import ContactInvalidated
from herald.contracts.recipient import Contacts
from herald.runtime.db import Database
from herald.scheduler.domain.reach import drop_contact

COLUMNS = "recipient_id, tenant, timezone, locale, contacts, tags, consent, quiet_hours"

_ERASE = (
    "DELETE FROM scheduler.recipients WHERE recipient_id = ANY($1::text[])",
    "DELETE FROM scheduler.caps WHERE recipient_id = ANY($1::text[])",
    "DELETE FROM scheduler.engagement WHERE recipient_id = ANY($1::text[])",
    "DELETE FROM scheduler.released WHERE recipient_id = ANY($1::text[])",
)


class Directory:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def apply(self, changes: Sequence[tuple[str | None, str, Recipient | None]]) -> None:
        """(tenant, recipient_id, profile) or (None, recipient_id, None) to erase; the last
        change of a recipient id wins. A recipient id lives in one tenant: a profile
        replaces any row of that id, whichever tenant it was in."""
        last: dict[str, Recipient | None] = {rid: value for _t, rid, value in changes}
        upserts = [v for v in last.values() if v is not None]
        erased = [rid for rid, v in last.items() if v is None]
        async with self._db.pool.acquire() as conn, conn.transaction():
            if upserts:
                await conn.execute(
                    """DELETE FROM scheduler.recipients r USING unnest($1::text[], $2::text[])
                         AS x(id, tenant) WHERE r.recipient_id = x.id AND r.tenant <> x.tenant""",
                    [r.recipient_id for r in upserts],
                    [r.tenant for r in upserts],
                )
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
                for sql in _ERASE:
                    await conn.execute(sql, erased)

    async def invalidate(self, dead: Sequence[ContactInvalidated]) -> int:
        """Drop contacts providers reported dead; return how many profiles changed."""
        changed = 0
        async with self._db.pool.acquire() as conn, conn.transaction():
            for d in sorted(dead, key=lambda d: (d.tenant, d.recipient_id)):
                raw = await conn.fetchval(
                    """SELECT contacts FROM scheduler.recipients
                       WHERE tenant = $1 AND recipient_id = $2 FOR UPDATE""",
                    d.tenant,
                    d.recipient_id,
                )
                if raw is None:
                    continue
                before = Contacts.model_validate(raw)
                after = drop_contact(before, d.channel, d.contact)
                if after != before:
                    changed += 1
                    await conn.execute(
                        """UPDATE scheduler.recipients SET contacts = $3, updated_at = now()
                           WHERE tenant = $1 AND recipient_id = $2""",
                        d.tenant,
                        d.recipient_id,
                        after.model_dump(mode="json"),
                    )
        return changed


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
