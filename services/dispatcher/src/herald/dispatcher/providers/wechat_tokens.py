"""Access tokens shared by every replica (WeChat's `access_token`).

WeChat revokes an official account's previous access token (after a five-minute grace)
whenever a new one is fetched, and limits fetches per day: replicas that each fetched
their own would keep revoking each other's. So the token lives in one shared store and
only one replica at a time fetches a new one (`PgSharedTokens` holds a Postgres advisory
lock while it refreshes; the others wait for it and then read the new token).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Protocol

Fetch = Callable[[], Awaitable[tuple[str, float]]]


class SharedTokens(Protocol):
    async def get(self, key: str, fetch: Fetch, margin_s: float) -> str:
        """The stored token if it is valid for `margin_s` more, else a fetched one."""

    async def forget(self, key: str, token: str) -> None:
        """The vendor refused `token`: the next get fetches (unless another already did)."""


class MemorySharedTokens:
    """One process's store (tests; a single replica without Postgres)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._tokens: dict[str, tuple[str, float]] = {}
        self._clock = clock
        self._lock = asyncio.Lock()

    async def get(self, key: str, fetch: Fetch, margin_s: float) -> str:
        async with self._lock:
            known = self._tokens.get(key)
            if known and known[1] - margin_s > self._clock():
                return known[0]
            token, ttl = await fetch()
            self._tokens[key] = (token, self._clock() + ttl)
            return token

    async def forget(self, key: str, token: str) -> None:
        if self._tokens.get(key, ("", 0.0))[0] == token:
            del self._tokens[key]
