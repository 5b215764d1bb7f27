"""What every HTTP provider shares: classify answers, read Retry-After, never raise."""

from collections.abc import Awaitable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx

from herald.dispatcher.providers.base import Attempt, Result

RETRYABLE_STATUS = frozenset({408, 425, 429})


def classify(status: int) -> Result:
    if 200 <= status < 300:
        return Result.SENT
    if status in RETRYABLE_STATUS or status >= 500:
        return Result.RETRYABLE
    return Result.PERMANENT


def retry_after(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds: either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def answer(
    name: str, response: httpx.Response, detail: str = "", ok: Result | None = None
) -> Attempt:
    """An Attempt from an HTTP answer: status class, Retry-After and a short detail."""
    result = classify(response.status_code)
    if result is Result.SENT and ok is not None:
        result = ok
    text = f"HTTP {response.status_code}" + (f" {detail}" if detail else "")
    return Attempt(result, name, text, retry_after(response.headers.get("retry-after")))


async def call(name: str, request: Awaitable[httpx.Response]) -> httpx.Response | Attempt:
    """Await the request; a transport failure becomes a retryable Attempt."""
    try:
        return await request
    except httpx.TimeoutException as exc:
        return Attempt(Result.RETRYABLE, name, f"timeout: {type(exc).__name__}")
    except httpx.HTTPError as exc:
        # the type only: messages may carry URLs with keys or personal data
        return Attempt(Result.RETRYABLE, name, f"transport error: {type(exc).__name__}")
