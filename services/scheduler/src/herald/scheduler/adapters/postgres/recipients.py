"""The recipient directory in `scheduler.recipients`."""

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from herald.contracts import Recipient
from herald.contracts.recipient import Contacts
from herald.runtime.db import Database
from herald.scheduler.adapters.postgres.connection import OnConnection, transaction, working
from herald.scheduler.adapters.postgres.erasure import erase_sends
from herald.scheduler.adapters.postgres.rows import RECIPIENT
from herald.scheduler.domain.model import RecipientKey

_DELETE = tuple(
    f"""DELETE FROM scheduler.{table} t USING unnest($1::text[], $2::text[]) AS x(tenant, id)
        WHERE t.tenant = x.tenant AND t.recipient_id = x.id"""  # noqa: S608 - constant names
    for table in ("recipients", "caps", "engagement", "capped_sends")
)
"""Everything kept about a recipient, in its own tenant only, once `erase_sends` has
taken them out of the batch rows (released sends forgotten, waiting ones made due now)."""


class PostgresRecipients:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def replace(self, profiles: Sequence[Recipient], erased: Sequence[RecipientKey]) -> None:
        async with transaction(self._db) as conn:
            if profiles:
                await conn.executemany(
                    f"""INSERT INTO scheduler.recipients ({RECIPIENT})
                        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                        ON CONFLICT (tenant, recipient_id) DO UPDATE SET
                          timezone = EXCLUDED.timezone, locale = EXCLUDED.locale,
                          contacts = EXCLUDED.contacts, tags = EXCLUDED.tags,
                          consent = EXCLUDED.consent, quiet_hours = EXCLUDED.quiet_hours,
                          attributes = EXCLUDED.attributes, updated_at = now()""",  # noqa: S608 - constant column list
                    [_row(r) for r in profiles],
                )
            if erased:
                tenants, ids = [t for t, _ in erased], [rid for _, rid in erased]
                await erase_sends(conn, erased)  # first: see erasure's lock order
                for sql in _DELETE:
                    await conn.execute(sql, tenants, ids)

    async def get(self, tenant: str, recipient_id: str) -> Recipient | None:
        row = await self._db.pool.fetchrow(
            f"""SELECT {RECIPIENT} FROM scheduler.recipients
                WHERE tenant = $1 AND recipient_id = $2""",  # noqa: S608 - constant column list
            tenant,
            recipient_id,
        )
        return Recipient.model_validate(dict(row)) if row else None

    def contacts(self) -> AbstractAsyncContextManager["ContactsEdit"]:
        return working(self._db, ContactsEdit)


class ContactsEdit(OnConnection):
    async def lock(self, keys: Sequence[RecipientKey]) -> dict[RecipientKey, Contacts]:
        ordered = sorted(set(keys))
        rows = await self._conn.fetch(
            """SELECT r.tenant, r.recipient_id, r.contacts FROM scheduler.recipients r
               JOIN unnest($1::text[], $2::text[]) AS k(tenant, id)
                 ON r.tenant = k.tenant AND r.recipient_id = k.id
               ORDER BY r.tenant, r.recipient_id FOR UPDATE OF r""",
            [k[0] for k in ordered],
            [k[1] for k in ordered],
        )
        return {
            (r["tenant"], r["recipient_id"]): Contacts.model_validate(r["contacts"]) for r in rows
        }

    async def save(self, contacts: Mapping[RecipientKey, Contacts]) -> None:
        if not contacts:
            return
        await self._conn.executemany(
            """UPDATE scheduler.recipients SET contacts = $3, updated_at = now()
               WHERE tenant = $1 AND recipient_id = $2""",
            [(t, rid, c.model_dump(mode="json")) for (t, rid), c in sorted(contacts.items())],
        )


# deliberate declaration: a row of scheduler.recipients, column by column (RECIPIENT's order)
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
        dict(r.attributes),
    )
