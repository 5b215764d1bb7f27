"""The scheduler's directory, asked for one recipient (`GET /v1/recipients/{id}`) with
the caller's own key, over the standard library's urllib in a worker thread (as the dry
run's advisers: intake's image carries no HTTP client)."""

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from herald.contracts import ReasonCode
from herald.runtime.problems import Problem


class HttpDirectory:
    def __init__(self, base_url: str, timeout_s: float) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"the scheduler's URL must be http(s), not {base_url!r}")
        self._url = base_url.rstrip("/") + "/v1/recipients/"
        self._timeout = timeout_s
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    async def get(self, recipient_id: str, authorization: str) -> dict[str, Any] | None:
        return await asyncio.to_thread(self._get, recipient_id, authorization)

    def _get(self, recipient_id: str, authorization: str) -> dict[str, Any] | None:
        url = self._url + urllib.parse.quote(recipient_id, safe="")
        req = urllib.request.Request(url, headers={"authorization": authorization})  # noqa: S310 - http(s) checked above
        try:
            with self._opener.open(req, timeout=self._timeout) as resp:
                found: dict[str, Any] = json.loads(resp.read())
                return found
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise _unavailable(f"the directory answered {exc.code}") from exc
        except (OSError, ValueError) as exc:
            raise _unavailable(str(exc) or type(exc).__name__) from exc


def _unavailable(why: str) -> Problem:
    return Problem(503, ReasonCode.UNAVAILABLE, "Directory unavailable", why)
