"""Two small views the dispatcher keeps of others' events: cancels, and consent.

Consent: the scheduler checks consent at release time; the dispatcher checks again
against its own view of push.recipients.v1, because a send may sit in the retry table
for minutes. The view only ever narrows what the Send allows (a recipient it has not
seen keeps the Send's channels), and it stores consent only, never contacts.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from herald.contracts import Category, Channel, Recipient
from herald.contracts.internal import CancelRequested, Send
from herald.runtime.db import Database


@dataclass(frozen=True, slots=True)
class ConsentRow:
    marketing: bool
    channels: dict[str, bool]
    erased: bool = False


def allowed(send: Send, row: ConsentRow | None) -> tuple[Channel, ...]:
    """The Send's channels that the recipient's current consent still allows."""
    if row is None:
        return send.channels
    if row.erased or (send.category == Category.MARKETING and not row.marketing):
        return ()
    return tuple(c for c in send.channels if row.channels.get(str(c), True))


class Views(Protocol):
    async def cancelled(self, keys: set[tuple[str, str]]) -> set[tuple[str, str]]: ...

    async def consent(self, recipient_ids: Sequence[str]) -> dict[str, ConsentRow]: ...

    async def add_cancels(self, cancels: Sequence[CancelRequested]) -> None: ...

    async def apply_recipients(self, changes: Sequence[tuple[str, Recipient | None]]) -> None: ...


class PgViews:
    def __init__(self, db: Database) -> None:
        self._db = db

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

    async def consent(self, recipient_ids: Sequence[str]) -> dict[str, ConsentRow]:
        rows = await self._db.pool.fetch(
            """SELECT recipient_id, marketing, channels, erased FROM dispatcher.consent
               WHERE recipient_id = ANY($1::text[])""",
            list(set(recipient_ids)),
        )
        return {
            r["recipient_id"]: ConsentRow(r["marketing"], dict(r["channels"]), r["erased"])
            for r in rows
        }

    async def add_cancels(self, cancels: Sequence[CancelRequested]) -> None:
        await self._db.pool.executemany(
            """INSERT INTO dispatcher.cancels (tenant, request_id, at) VALUES ($1, $2, $3)
               ON CONFLICT DO NOTHING""",
            [(c.tenant, c.request_id, c.at) for c in cancels],
        )

    async def apply_recipients(self, changes: Sequence[tuple[str, Recipient | None]]) -> None:
        last = dict(changes)
        await self._db.pool.executemany(
            """INSERT INTO dispatcher.consent (recipient_id, tenant, marketing, channels, erased)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (recipient_id) DO UPDATE SET tenant = EXCLUDED.tenant,
                 marketing = EXCLUDED.marketing, channels = EXCLUDED.channels,
                 erased = EXCLUDED.erased, updated_at = now()""",
            [
                (
                    rid,
                    r.tenant,
                    r.consent.marketing,
                    {str(k): v for k, v in r.consent.channels.items()},
                    False,
                )
                if r is not None
                else (rid, None, False, {}, True)
                for rid, r in last.items()
            ],
        )
