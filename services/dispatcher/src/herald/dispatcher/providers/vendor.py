"""What the Chinese vendors' providers share: capped answers, cached tokens, truncation.

Every vendor answer is read as a stream and refused past `ANSWER_CAP` bytes (a vendor,
or something pretending to be one, cannot make us buffer an unbounded body). Access
tokens (Huawei, OPPO, vivo, Honor) are cached per provider in memory and refreshed a
margin before they expire, one refresh at a time; WeChat's token is shared between
replicas instead (`wechat_tokens.py`), because fetching a new one revokes the old one.
"""

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx

from herald.dispatcher.providers.base import Attempt, Result
from herald.dispatcher.providers.http import retry_after

ANSWER_CAP = 64 * 1024
"""Largest vendor answer we read; every documented answer is a few hundred bytes."""


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: httpx.Headers
    data: Any
    """The parsed JSON body, or None if it was not JSON."""

    @property
    def retry_after(self) -> float | None:
        return retry_after(self.headers.get("retry-after"))

    def field(self, name: str) -> Any:
        return self.data.get(name) if isinstance(self.data, dict) else None


async def exchange(
    client: httpx.AsyncClient, name: str, method: str, url: str, **kwargs: Any
) -> Answer | Attempt:
    """One request; the answer's body read with a byte cap. Transport failures are retryable."""
    try:
        async with client.stream(method, url, **kwargs) as response:
            body = bytearray()
            async for chunk in response.aiter_bytes():
                body += chunk
                if len(body) > ANSWER_CAP:
                    return Attempt(Result.RETRYABLE, name, f"answer over {ANSWER_CAP} bytes")
            return Answer(response.status_code, response.headers, _json(bytes(body)))
    except httpx.TimeoutException as exc:
        return Attempt(Result.RETRYABLE, name, f"timeout: {type(exc).__name__}")
    except httpx.HTTPError as exc:
        # the type only: messages may carry URLs with keys or personal data
        return Attempt(Result.RETRYABLE, name, f"transport error: {type(exc).__name__}")


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def status_attempt(name: str, answer: Answer, detail: str) -> Attempt:
    """An answer that is not the vendor's own success shape: by HTTP status class."""
    retryable = answer.status in (408, 425, 429) or answer.status >= 500
    result = Result.RETRYABLE if retryable else Result.PERMANENT
    return Attempt(result, name, f"HTTP {answer.status} {detail}".strip(), answer.retry_after)


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
