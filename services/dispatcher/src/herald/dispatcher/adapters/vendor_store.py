"""Postgres behind the vendor ports: shared access tokens, vendor message ids, replies."""

import asyncio
import hashlib
from datetime import UTC, datetime, timedelta

import asyncpg
import structlog

from herald.dispatcher.domain.inbound import InboundReply, is_opt_out
from herald.dispatcher.providers.wechat_tokens import Fetch
from herald.runtime.db import Database

log = structlog.get_logger(__name__)


class PgSharedTokens:
    """One token per key for all replicas; one refresh at a time (transaction-scoped
    advisory lock on the key: the others wait on it, then find the fresh token). Within a
    replica only one coroutine per key goes for the lock, so a burst of sends at expiry
    holds one pooled connection, not one each."""

    def __init__(self, db: Database) -> None:
        self._db = db
        self._local: dict[str, asyncio.Lock] = {}

    async def get(self, key: str, fetch: Fetch, margin_s: float) -> str:
        fresh = await self._fresh(self._db.pool, key, margin_s)
        if fresh is not None:
            return fresh
        async with self._local.setdefault(key, asyncio.Lock()):
            return await self._refresh(key, fetch, margin_s)

    async def _refresh(self, key: str, fetch: Fetch, margin_s: float) -> str:
        async with self._db.pool.acquire() as conn, conn.transaction():
            await conn.execute("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", key)
            fresh = await self._fresh(conn, key, margin_s)
            if fresh is not None:
                return fresh
            token, ttl = await fetch()
            await conn.execute(
                """INSERT INTO dispatcher.vendor_tokens (key, token, expires_at) VALUES ($1, $2, $3)
                   ON CONFLICT (key) DO UPDATE SET token = EXCLUDED.token,
                     expires_at = EXCLUDED.expires_at, updated_at = now()""",
                key,
                token,
                datetime.now(UTC) + timedelta(seconds=ttl),
            )
            return token

    async def _fresh(
        self, conn: asyncpg.Pool | asyncpg.Connection, key: str, margin_s: float
    ) -> str | None:
        token: str | None = await conn.fetchval(
            """SELECT token FROM dispatcher.vendor_tokens
               WHERE key = $1 AND expires_at > now() + make_interval(secs => $2)""",
            key,
            margin_s,
        )
        return token

    async def forget(self, key: str, token: str) -> None:
        # only the refused token: a replica may have stored a newer one meanwhile
        await self._db.pool.execute(
            """UPDATE dispatcher.vendor_tokens SET expires_at = now() - interval '1 second'
               WHERE key = $1 AND token = $2""",
            key,
            token,
        )


class PgRefs:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def remember(self, provider: str, ref: str, delivery_id: str) -> None:
        await self._db.pool.execute(
            """INSERT INTO dispatcher.vendor_refs (provider, ref, delivery_id) VALUES ($1, $2, $3)
               ON CONFLICT DO NOTHING""",
            provider,
            ref,
            delivery_id,
        )

    async def delivery(self, provider: str, ref: str) -> str | None:
        found: str | None = await self._db.pool.fetchval(
            "SELECT delivery_id FROM dispatcher.vendor_refs WHERE provider = $1 AND ref = $2",
            provider,
            ref,
        )
        return found


class PgReplies:
    """Records each reply once, with its opt-out verdict, for the consent flow to act on."""

    def __init__(self, db: Database) -> None:
        self._db = db

    async def received(self, reply: InboundReply) -> None:
        opt_out = is_opt_out(reply.text)
        text = f"{reply.tenant}\x00{reply.provider}\x00{reply.phone}\x00{reply.at.isoformat()}"
        key = hashlib.sha256(f"{text}\x00{reply.text}".encode()).hexdigest()
        await self._db.pool.execute(
            """INSERT INTO dispatcher.replies (key, tenant, provider, phone, text, opt_out, at)
               VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (key) DO NOTHING""",
            key,
            reply.tenant,
            reply.provider,
            reply.phone,
            reply.text[:1000],
            opt_out,
            reply.at,
        )
        log.info(
            "sms_reply_recorded", tenant=reply.tenant, provider=reply.provider, opt_out=opt_out
        )
