"""The Postgres adapter of SubscriptionStore (parameterised SQL only)."""

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from herald.intake.callbacks.domain import EventType, Scope, Subscription
from herald.runtime.db import Database


# deliberate declaration: a row of callback_subscriptions, column by column
def subscription_of(row: Any) -> Subscription:
    return Subscription(
        id=row["id"],
        tenant=row["tenant"],
        scope=Scope(row["scope"]),
        department=row["department"],
        url=row["url"],
        events=tuple(EventType(e) for e in row["events"]),
        secret=row["secret"],
        created_by=row["created_by"],
        created_at=row["created_at"],
        active=row["active"],
        disabled_reason=row["disabled_reason"],
        failures=row["failures"],
        previous_secret=row["previous_secret"],
        previous_until=row["previous_until"],
    )


class PgSubscriptionStore:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def add(self, sub: Subscription) -> None:
        await self._db.pool.execute(
            """INSERT INTO intake.callback_subscriptions (id, tenant, scope, department, url,
                   events, secret, created_by, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
            sub.id,
            sub.tenant,
            str(sub.scope),
            sub.department,
            sub.url,
            [str(e) for e in sub.events],
            sub.secret,
            sub.created_by,
            sub.created_at,
        )

    # deliberate declaration: one row by its key, the way every repository reads one
    async def get(self, tenant: str, sub_id: str) -> Subscription | None:
        row = await self._db.pool.fetchrow(
            "SELECT * FROM intake.callback_subscriptions WHERE tenant = $1 AND id = $2",
            tenant,
            sub_id,
        )
        return subscription_of(row) if row else None

    async def listing(self, tenant: str) -> list[Subscription]:
        rows = await self._db.pool.fetch(
            "SELECT * FROM intake.callback_subscriptions WHERE tenant = $1 ORDER BY created_at",
            tenant,
        )
        return [subscription_of(r) for r in rows]

    async def remove(self, tenant: str, sub_id: str) -> None:
        await self._db.pool.execute(
            "DELETE FROM intake.callback_subscriptions WHERE tenant = $1 AND id = $2",
            tenant,
            sub_id,
        )

    async def rotate(self, tenant: str, sub_id: str, secret: str, keep_until: datetime) -> None:
        await self._db.pool.execute(
            """UPDATE intake.callback_subscriptions
               SET previous_secret = secret, previous_until = $4, secret = $3
               WHERE tenant = $1 AND id = $2""",
            tenant,
            sub_id,
            secret,
            keep_until,
        )

    async def enable(self, tenant: str, sub_id: str, now: datetime) -> None:
        async with self._db.pool.acquire() as conn, conn.transaction():
            await conn.execute(
                """UPDATE intake.callback_subscriptions
                   SET active = true, disabled_reason = NULL, failures = 0
                   WHERE tenant = $1 AND id = $2""",
                tenant,
                sub_id,
            )
            await conn.execute(
                """UPDATE intake.callback_deliveries SET next_at = $2
                   WHERE subscription_id = $1 AND state = 'pending' AND next_at > $2""",
                sub_id,
                now,
            )

    async def wanting(self, tenants: Sequence[str], kind: EventType) -> list[Subscription]:
        rows = await self._db.pool.fetch(
            """SELECT * FROM intake.callback_subscriptions
               WHERE tenant = ANY($1::text[]) AND $2 = ANY(events) ORDER BY created_at""",
            list(tenants),
            str(kind),
        )
        return [subscription_of(r) for r in rows]
