"""What every HTTP provider shares: one capped way to call, classify answers, never raise.

Every answer is read as a stream of raw bytes and refused past `ANSWER_CAP` (a peer, or
something pretending to be one, cannot make us buffer an unbounded body). We ask for
`Accept-Encoding: identity`; a peer that compresses anyway is decoded here with the same
cap on the inflated size (gzip and zlib; other encodings are not read), so a small gzip
body that inflates to hundreds of megabytes costs us `ANSWER_CAP` bytes at most.
"""

import json
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from herald.dispatcher.providers.base import Attempt, Blame, Result

RETRYABLE_STATUS = frozenset({408, 425, 429})
ANSWER_CAP = 64 * 1024
"""Largest answer we read; every documented provider answer is a few hundred bytes."""
IDENTITY = {"accept-encoding": "identity"}
_INFLATE = frozenset({"gzip", "x-gzip", "deflate"})


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


class _Capped:
    """Collects a body's bytes, inflating gzip/zlib itself, never past `cap` either way."""

    def __init__(self, encoding: str, cap: int) -> None:
        self.cap, self.body, self.raw = cap, bytearray(), 0
        self._inflate = zlib.decompressobj(zlib.MAX_WBITS | 32) if encoding in _INFLATE else None

    def feed(self, chunk: bytes) -> bool:
        """Take a raw chunk; False once the raw or the decoded body passes the cap."""
        self.raw += len(chunk)
        if self._inflate is None:
            self.body += chunk
        else:
            self.body += self._inflate.decompress(chunk, self.cap - len(self.body) + 1)
            if self._inflate.unconsumed_tail:
                return False
        return self.raw <= self.cap and len(self.body) <= self.cap


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
    encoding = response.headers.get("content-encoding", "identity").strip().lower()
    status, headers = response.status_code, response.headers
    if encoding not in _INFLATE and encoding not in ("", "identity"):
        if not need_body:
            return Answer(status, headers, None)
        detail = f"answer in unsupported encoding {encoding[:20]}"
        return Attempt(Result.RETRYABLE, name, detail, blame=blame)
    capped = _Capped(encoding, ANSWER_CAP)
    async for chunk in response.aiter_raw():
        if not capped.feed(chunk):
            if not need_body:
                return Answer(status, headers, None)
            detail = f"answer over {ANSWER_CAP} bytes"
            return Attempt(Result.RETRYABLE, name, detail, blame=blame)
    return Answer(status, headers, _json(bytes(capped.body)))


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
