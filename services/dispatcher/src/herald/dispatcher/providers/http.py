"""What every HTTP provider shares: one capped way to call, classify answers, never raise.

Every answer is read with the runtime's capped reader (`herald.runtime.egress.capped`)
and refused past `ANSWER_CAP`, raw or inflated: a peer, or something pretending to be
one, cannot make us buffer an unbounded body, nor a gzip bomb inflate past the cap.
"""

import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from herald.dispatcher.providers.base import Attempt, Blame, Result
from herald.runtime.egress.capped import (
    IDENTITY,
    TooLargeError,
    UnsupportedEncodingError,
    read_capped,
)

RETRYABLE_STATUS = frozenset({408, 425, 429})
ANSWER_CAP = 64 * 1024
"""Largest answer we read; every documented provider answer is a few hundred bytes."""


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


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    headers: httpx.Headers
    data: Any
    """The parsed JSON body, or None if it was not JSON (or not read)."""

    @property
    def retry_after(self) -> float | None:
        return retry_after(self.headers.get("retry-after"))

    def field(self, name: str) -> Any:
        return self.data.get(name) if isinstance(self.data, dict) else None


async def exchange(
    client: httpx.AsyncClient,
    name: str,
    method: str,
    url: str,
    *,
    need_body: bool = True,
    blame: Blame = Blame.PROVIDER,
    **kwargs: Any,
) -> Answer | Attempt:
    """One request, its answer read with a byte cap. Transport failures are retryable.

    With `need_body=False` an answer whose status alone says it was taken (a webhook
    receiver's, an SMS gateway's, FCM's, APNs') is not refused for its body: reading
    stops at the cap and the body counts as absent (`data` None). Refusing it would
    resend a message the peer took."""
    kwargs["headers"] = {**IDENTITY, **(kwargs.get("headers") or {})}
    try:
        async with client.stream(method, url, **kwargs) as response:
            return await _read(response, name, need_body, blame)
    except zlib.error:
        return Attempt(Result.RETRYABLE, name, "answer: bad compressed body", blame=blame)
    except httpx.TimeoutException as exc:
        return Attempt(Result.RETRYABLE, name, f"timeout: {type(exc).__name__}", blame=blame)
    except (httpx.LocalProtocolError, httpx.InvalidURL, httpx.UnsupportedProtocol) as exc:
        # the request cannot be sent as built (a header or URL made from this send's data)
        detail = f"bad request: {type(exc).__name__}"
        return Attempt(Result.PERMANENT, name, detail, blame=Blame.SEND)
    except httpx.HTTPError as exc:
        # the type only: messages may carry URLs with keys or personal data
        detail = f"transport error: {type(exc).__name__}"
        return Attempt(Result.RETRYABLE, name, detail, blame=blame)


async def _read(
    response: httpx.Response, name: str, need_body: bool, blame: Blame
) -> Answer | Attempt:
    status, headers = response.status_code, response.headers
    try:
        body = await read_capped(response, ANSWER_CAP)
    except UnsupportedEncodingError as exc:
        if not need_body:
            return Answer(status, headers, None)
        return Attempt(Result.RETRYABLE, name, str(exc), blame=blame)
    except TooLargeError:
        if not need_body:
            return Answer(status, headers, None)
        return Attempt(Result.RETRYABLE, name, f"answer over {ANSWER_CAP} bytes", blame=blame)
    return Answer(status, headers, _json(body))


def _json(body: bytes) -> Any:
    try:
        return json.loads(body) if body else None
    except ValueError:
        return None


def answer(
    name: str,
    got: Answer,
    detail: str = "",
    ok: Result | None = None,
    blame: Blame = Blame.PROVIDER,
) -> Attempt:
    """An Attempt from an HTTP answer: status class, Retry-After and a short detail."""
    result = classify(got.status)
    if result is Result.SENT and ok is not None:
        result = ok
    text = f"HTTP {got.status}" + (f" {detail}" if detail else "")
    return Attempt(result, name, text, got.retry_after, blame=blame)


def status_attempt(name: str, got: Answer, detail: str) -> Attempt:
    """An answer that is not the vendor's own success shape: by HTTP status class."""
    result = Result.PERMANENT if got.status < 300 else classify(got.status)
    return Attempt(result, name, f"HTTP {got.status} {detail}".strip(), got.retry_after)
