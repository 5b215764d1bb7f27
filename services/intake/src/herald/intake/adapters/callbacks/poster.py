"""The Poster over the runtime's pinned egress: a callback POST that reaches only
addresses the policy allows, checked before the call and again on the address each
connection is opened to (DNS rebinding), with no proxies and no redirects (a 3xx is a
failed attempt). The receiver's answer is read with a small cap and not kept: only its
status counts. Errors name their kind, never the URL (it may carry a token)."""

import asyncio
import contextlib
import time
import zlib

import httpx

from herald.intake.callbacks.domain import url_problem
from herald.intake.callbacks.ports import Answer
from herald.runtime.egress.addresses import TargetRefusedError, Targets
from herald.runtime.egress.capped import (
    IDENTITY,
    TooLargeError,
    UnsupportedEncodingError,
    read_capped,
)
from herald.runtime.egress.transport import pinned_client

ANSWER_CAP = 4096
"""A receiver's answer is not needed; at most this much of it is read."""


class PinnedPoster:
    def __init__(
        self, targets: Targets, allow_http: bool, timeout_s: float, max_connections: int
    ) -> None:
        self._targets, self._allow_http = targets, allow_http
        limits = httpx.Limits(max_connections=max_connections)
        self._client = pinned_client(targets, timeout_s, limits)
        # the checks resolve names too: the whole attempt has a bound (the lease is longer)
        self._deadline_s = 2 * timeout_s

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Answer:
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._deadline_s):
                return await self._post(url, body, headers, started)
        except TimeoutError:
            return Answer(None, _ms(started), "timeout: the attempt as a whole")

    async def _post(self, url: str, body: bytes, headers: dict[str, str], started: float) -> Answer:
        refused = await self._refused(url)
        if refused is not None:
            return Answer(None, _ms(started), refused)
        try:
            async with self._client.stream(
                "POST", url, content=body, headers={**IDENTITY, **headers}
            ) as response:
                await _drain(response)
                return Answer(response.status_code, _ms(started), _error(response.status_code))
        except TargetRefusedError as exc:
            return Answer(None, _ms(started), f"refused: {exc}")
        except httpx.TimeoutException as exc:
            return Answer(None, _ms(started), f"timeout: {type(exc).__name__}")
        except httpx.HTTPError as exc:
            return Answer(None, _ms(started), f"transport error: {type(exc).__name__}")

    async def _refused(self, url: str) -> str | None:
        """Checked again at every send: the URL's name may resolve elsewhere by now."""
        problem = url_problem(url, self._allow_http)
        if problem is not None:
            return f"refused: url {problem}"
        found = await self._targets.check(url)
        return f"refused: {found.detail}" if found else None

    async def close(self) -> None:
        await self._client.aclose()


async def _drain(response: httpx.Response) -> None:
    with contextlib.suppress(TooLargeError, UnsupportedEncodingError, zlib.error):
        await read_capped(response, ANSWER_CAP)  # read only to reuse the connection


def _error(status: int) -> str | None:
    return None if 200 <= status < 300 else f"HTTP {status}"


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
