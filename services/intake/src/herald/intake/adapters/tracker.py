"""The portal's reports from tracker over HTTP (`ports.ReportReader`), asked with the
caller's own key, like the dry run's advisers: the standard library's urllib in a worker
thread (intake's image holds no HTTP client library), never through a proxy."""

import asyncio
import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

from herald.intake.ports import ReportsUnavailable, ReportWindow

MAX_ANSWER_BYTES = 8 * 1024 * 1024
"""A report larger than this is refused rather than held (a tenant has few departments)."""


class HttpReportReader:
    def __init__(self, base_url: str, timeout_s: float) -> None:
        if not base_url.startswith(("http://", "https://")):
            raise ValueError(f"tracker: the URL must be http(s), not {base_url!r}")
        self._base = base_url.rstrip("/")
        self._timeout = timeout_s
        self._opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    async def request_report(self, request_id: str, authorization: str) -> dict[str, Any] | None:
        path = f"/v1/requests/{urllib.parse.quote(request_id, safe='')}/report"
        found = await self._get(path, {}, authorization, "application/json")
        return _json(found) if found is not None else None

    async def request_csv(self, request_id: str, authorization: str) -> bytes | None:
        path = f"/v1/requests/{urllib.parse.quote(request_id, safe='')}/report"
        return await self._get(path, {"format": "csv"}, authorization, "text/csv")

    async def range_report(self, window: ReportWindow, authorization: str) -> dict[str, Any]:
        return _json(await self._need("/v1/reports", _params(window), authorization))

    async def range_csv(self, window: ReportWindow, authorization: str) -> bytes:
        params = _params(window) | {"format": "csv"}
        return await self._need("/v1/reports", params, authorization, "text/csv")

    async def timeline(
        self, window: ReportWindow, bucket: str, request_id: str | None, authorization: str
    ) -> dict[str, Any]:
        params = _params(window) | {"bucket": bucket}
        if request_id:
            params["request_id"] = request_id
        return _json(await self._need("/v1/reports/timeline", params, authorization))

    async def _need(
        self,
        path: str,
        params: dict[str, str],
        authorization: str,
        accept: str = "application/json",
    ) -> bytes:
        found = await self._get(path, params, authorization, accept)
        if found is None:
            raise ReportsUnavailable(f"tracker has no {path}")
        return found

    async def _get(
        self, path: str, params: dict[str, str], authorization: str, accept: str
    ) -> bytes | None:
        query = f"?{urllib.parse.urlencode(params)}" if params else ""
        headers = {"authorization": authorization, "accept": accept}
        req = urllib.request.Request(f"{self._base}{path}{query}", headers=headers)  # noqa: S310 - http(s) checked above
        return await asyncio.to_thread(self._fetch, req)

    def _fetch(self, req: urllib.request.Request) -> bytes | None:
        try:
            with self._opener.open(req, timeout=self._timeout) as resp:
                body: bytes = resp.read(MAX_ANSWER_BYTES + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise ReportsUnavailable(f"tracker answered {exc.code}") from exc
        except OSError as exc:  # URLError, refused, timeout
            raise ReportsUnavailable(f"tracker: {exc}") from exc
        if len(body) > MAX_ANSWER_BYTES:
            raise ReportsUnavailable("tracker's answer is larger than the portal takes")
        return body


def _params(window: ReportWindow) -> dict[str, str]:
    params = {"since": window.since.isoformat(), "until": window.until.isoformat()}
    if window.department:
        params["department"] = window.department
    return params


def _json(body: bytes) -> dict[str, Any]:
    try:
        found = json.loads(body)
    except ValueError as exc:
        raise ReportsUnavailable("tracker's answer is not JSON") from exc
    if not isinstance(found, dict):
        raise ReportsUnavailable("tracker's answer is not a JSON object")
    return found
