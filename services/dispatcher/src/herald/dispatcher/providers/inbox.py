"""In-app: an inbox in Postgres; the app lists it and marks messages read over HTTP.

A batch is stored with one INSERT ... SELECT FROM unnest(...) (one round trip)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from herald.dispatcher.providers.base import Attempt, Message, Provider, Result
from herald.runtime.db import Database


@dataclass(frozen=True, slots=True)
class InboxItem:
    delivery_id: str
    request_id: str
    title: str
    body: str
    url: str | None
    html: str | None
    created_at: datetime
    read_at: datetime | None


class Inbox(Protocol):
    async def put(self, message: Message) -> None: ...

    async def put_many(self, messages: Sequence[Message]) -> None:
        """All of them in one write (a repeat of a stored delivery changes nothing)."""

    async def list(
        self, tenant: str, recipient_id: str, unread: bool, limit: int
    ) -> list[InboxItem]: ...

    async def mark_read(self, tenant: str, recipient_id: str, delivery_id: str) -> bool | None:
        """True if marked now, False if it was read already, None if there is no such item."""


class PgInbox:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def put(self, message: Message) -> None:
        await self._db.pool.execute(
            """INSERT INTO dispatcher.inbox
                 (delivery_id, tenant, recipient_id, request_id, title, body, url, html)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (delivery_id) DO NOTHING""",
            message.delivery_id,
            message.tenant,
            message.recipient_id,
            message.request_id,
            message.title,
            message.body,
            message.url,
            message.html,
        )

    async def put_many(self, messages: Sequence[Message]) -> None:
        columns = [
            [getattr(m, name) for m in messages]
            for name in ("delivery_id", "tenant", "recipient_id", "request_id",
                         "title", "body", "url", "html")
        ]  # fmt: skip
        await self._db.pool.execute(
            """INSERT INTO dispatcher.inbox
                 (delivery_id, tenant, recipient_id, request_id, title, body, url, html)
               SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                    $5::text[], $6::text[], $7::text[], $8::text[])
               ON CONFLICT (delivery_id) DO NOTHING""",
            *columns,
        )

    async def list(
        self, tenant: str, recipient_id: str, unread: bool, limit: int
    ) -> list[InboxItem]:
        rows = await self._db.pool.fetch(
            """SELECT delivery_id, request_id, title, body, url, html, created_at, read_at
               FROM dispatcher.inbox WHERE tenant = $1 AND recipient_id = $2
                 AND (NOT $3 OR read_at IS NULL)
               ORDER BY created_at DESC, delivery_id LIMIT $4""",
            tenant,
            recipient_id,
            unread,
            limit,
        )
        return [InboxItem(**dict(r)) for r in rows]

    async def mark_read(self, tenant: str, recipient_id: str, delivery_id: str) -> bool | None:
        row = await self._db.pool.fetchrow(
            """WITH target AS (
                 SELECT delivery_id, read_at FROM dispatcher.inbox
                 WHERE tenant = $1 AND recipient_id = $2 AND delivery_id = $3 FOR UPDATE),
               marked AS (
                 UPDATE dispatcher.inbox i SET read_at = now() FROM target t
                 WHERE i.delivery_id = t.delivery_id AND t.read_at IS NULL RETURNING i.delivery_id)
               SELECT (SELECT count(*) FROM target) AS found,
                      (SELECT count(*) FROM marked) AS now""",
            tenant,
            recipient_id,
            delivery_id,
        )
        if row is None or row["found"] == 0:
            return None
        return bool(row["now"])


class InboxProvider(Provider):
    def __init__(self, inbox: Inbox, name: str = "inbox") -> None:
        self.name, self._inbox = name, inbox

    async def send(self, message: Message) -> Attempt:
        await self._inbox.put(message)
        return Attempt(Result.SENT, self.name, "stored in inbox")

    async def send_many(self, messages: Sequence[Message]) -> list[Attempt]:
        """A batch is one INSERT of all its rows, not one per message."""
        await self._inbox.put_many(messages)
        return [Attempt(Result.SENT, self.name, "stored in inbox") for _ in messages]
