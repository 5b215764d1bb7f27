"""What the Chinese vendors' providers share: cached tokens, truncation.

Every vendor answer is read through `http.exchange` (streamed, capped, identity
encoding). Access tokens (Huawei, OPPO, vivo, Honor) are cached per provider in memory
and refreshed a margin before they expire, one refresh at a time; WeChat's token is
shared between replicas instead (`wechat_tokens.py`), because fetching a new one
revokes the old one. Token endpoints are operator-configured (never tenant data), so
they go through the shared client, not the pinned one webhooks use (`egress.py`).
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from herald.dispatcher.providers.base import Attempt, Result
from herald.dispatcher.providers.http import exchange


class TokenError(Exception):
    """The vendor refused to issue a token (bad credentials) or answered nonsense."""


Fetch = Callable[[], Awaitable[tuple[str, float]]]
"""Fetches a fresh token: (token, seconds it is valid)."""


@dataclass
class TokenCache:
    """One cached access token, refreshed `margin_s` before it expires, one fetch at a time."""

    fetch: Fetch
    margin_s: float = 300.0
    clock: Callable[[], float] = time.time
    _token: tuple[str, float] | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def get(self) -> str:
        async with self._lock:
            if self._token and self._token[1] - self.margin_s > self.clock():
                return self._token[0]
            token, ttl = await self.fetch()
            self._token = (token, self.clock() + ttl)
            return token

    def forget(self, token: str) -> None:
        """The vendor said this token is invalid: the next get fetches another."""
        if self._token and self._token[0] == token:
            self._token = None


async def token_or_attempt(name: str, cache: TokenCache) -> str | Attempt:
    """The access token, or why there is none (transport trouble retries, refusal does not)."""
    try:
        return await cache.get()
    except TokenError as exc:
        return Attempt(Result.PERMANENT, name, f"token refused: {exc}"[:200])
    except httpx.HTTPError as exc:
        return Attempt(Result.RETRYABLE, name, f"token: {type(exc).__name__}")


async def fetch_token(
    client: httpx.AsyncClient, name: str, url: str, **kwargs: Any
) -> tuple[int, Any]:
    """POST to a token endpoint; (status, JSON). Raises httpx errors or TokenError."""
    got = await exchange(client, name, "POST", url, **kwargs)
    if isinstance(got, Attempt):
        if got.result is Result.RETRYABLE:
            raise httpx.TransportError(got.detail)
        raise TokenError(got.detail)
    if got.status >= 500 or got.status == 429:
        raise httpx.TransportError(f"token endpoint HTTP {got.status}")
    return got.status, got.data


def shorten(text: str, limit: int) -> str:
    """At most `limit` characters, ending in an ellipsis when cut."""
    return text if len(text) <= limit else text[: max(0, limit - 1)] + "…"
