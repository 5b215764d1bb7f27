"""The dry run's advisers over HTTP: review and the scheduler, asked what they would do.

`HttpAdviser` implements the `ports.Adviser` port by asking a service's
`POST /v1/dry-run`. Intake's image carries only the runtime's dependencies, which hold
no HTTP client, so the request goes through the standard library's urllib in a worker
thread: the event loop never blocks, and a dry run is rare enough for a thread each.
"""

import asyncio
import json
import urllib.error
import urllib.request
from typing import Any

from herald.contracts import PushRequest
from herald.intake.ports import AdviserRefused, AdviserUnavailable
from herald.runtime.tracing import TRACE_HEADER


class HttpAdviser:
    def __init__(self, name: str, base_url: str, timeout_s: float) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"{name}: the URL must be http(s), not {base_url!r}")
        self.name = name
        self._url = base_url.rstrip("/") + "/v1/dry-run"
        self._timeout = timeout_s
        # service to service: never through an environment's HTTP proxy
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    async def advise(
        self, request: PushRequest, authorization: str, trace_id: str
    ) -> dict[str, Any]:
        headers = {
            "authorization": authorization,
            "content-type": "application/json",
            TRACE_HEADER: trace_id,
        }
        return await asyncio.to_thread(self._post, request.model_dump_json().encode(), headers)

    def _post(self, data: bytes, headers: dict[str, str]) -> dict[str, Any]:
        req = urllib.request.Request(self._url, data=data, headers=headers, method="POST")  # noqa: S310 - http(s) checked above
        try:
            with self._opener.open(req, timeout=self._timeout) as resp:
                answer: dict[str, Any] = json.loads(resp.read())
                return answer
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                raise AdviserUnavailable(self.name, f"answered {exc.code}") from exc
            raise AdviserRefused(self.name, exc.code, _problem(exc.read())) from exc
        except (OSError, ValueError) as exc:  # URLError, refused, timeout, bad JSON
            raise AdviserUnavailable(self.name, str(exc) or type(exc).__name__) from exc


def _problem(body: bytes) -> dict[str, Any]:
    try:
        found = json.loads(body)
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}
