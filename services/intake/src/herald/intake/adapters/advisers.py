"""The dry run's advisers over HTTP: review and the scheduler, asked what they would do.

`HttpAdviser` implements the `ports.Adviser` port by asking a service's
`POST /v1/dry-run`. The answer is read as a stream with the runtime's byte cap
(`herald.runtime.egress.capped`: identity encoding asked for, gzip inflated under the same
cap) and the whole exchange has one deadline, so a misbehaving or impostor peer can make
a dry run fail, never make intake buffer an unbounded answer or wait forever. No proxies
(service to service) and no redirects.
"""

import asyncio
import json
import zlib
from typing import Any

import httpx

from herald.contracts import PushRequest
from herald.intake.ports import AdviserRefused, AdviserUnavailable
from herald.runtime.egress.capped import (
    IDENTITY,
    TooLargeError,
    UnsupportedEncodingError,
    read_capped,
)
from herald.runtime.tracing import TRACE_HEADER

ANSWER_CAP = 1024 * 1024
"""Largest answer read; a dry run's answer is a few kilobytes."""
_UNREADABLE = (TimeoutError, httpx.HTTPError, TooLargeError, UnsupportedEncodingError, zlib.error)


class HttpAdviser:
    def __init__(self, name: str, base_url: str, timeout_s: float) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"{name}: the URL must be http(s), not {base_url!r}")
        self.name = name
        self._url = base_url.rstrip("/") + "/v1/dry-run"
        self._timeout = timeout_s

    async def advise(
        self, request: PushRequest, authorization: str, trace_id: str
    ) -> dict[str, Any]:
        headers = {
            **IDENTITY,
            "authorization": authorization,
            "content-type": "application/json",
            TRACE_HEADER: trace_id,
        }
        status, body = await self._post(request.model_dump_json().encode(), headers)
        if status >= 500 or status < 200 or 300 <= status < 400:
            raise AdviserUnavailable(self.name, f"answered {status}")
        if status >= 400:
            raise AdviserRefused(self.name, status, _problem(body))
        answer = _object(body)
        if answer is None:
            raise AdviserUnavailable(self.name, "answer is not a JSON object")
        return answer

    async def _post(self, data: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        try:
            async with (
                asyncio.timeout(self._timeout),
                httpx.AsyncClient(trust_env=False, timeout=self._timeout) as client,
                client.stream("POST", self._url, content=data, headers=headers) as response,
            ):
                return response.status_code, await read_capped(response, ANSWER_CAP)
        except _UNREADABLE as exc:
            raise AdviserUnavailable(self.name, str(exc) or type(exc).__name__) from exc


def _object(body: bytes) -> dict[str, Any] | None:
    try:
        found = json.loads(body)
    except ValueError:
        return None
    return found if isinstance(found, dict) else None


def _problem(body: bytes) -> dict[str, Any]:
    return _object(body) or {}
