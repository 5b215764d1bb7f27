"""Herald's HTTP APIs over httpx: one small client per service base URL.

Errors come back as `RemoteError` carrying the RFC 9457 problem (its `code` is one of the
contract's reason codes); an unreachable service is a `RemoteError` with status 0. The
API key travels only in the Authorization header and is never part of a message.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

import httpx

TIMEOUT = httpx.Timeout(15.0, connect=5.0)
STREAMING = httpx.Timeout(None, connect=5.0)


@dataclass
class RemoteError(Exception):
    """A service said no (4xx/5xx), or could not be reached (status 0)."""

    status: int
    code: str
    title: str
    detail: str | None = None
    errors: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        where = f"HTTP {self.status}, {self.code}" if self.status else self.code
        text = f"{self.title} ({where})"
        return f"{text}: {self.detail}" if self.detail else text

    def as_json(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "code": self.code,
            "title": self.title,
            "detail": self.detail,
            "errors": self.errors,
        }


def problem_of(response: httpx.Response) -> RemoteError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        text = response.text.strip()[:300] or None
        return RemoteError(response.status_code, "http_error", response.reason_phrase, text)
    return RemoteError(
        response.status_code,
        str(body.get("code") or "http_error"),
        str(body.get("title") or response.reason_phrase),
        body.get("detail"),
        list(body.get("errors") or []),
    )


class Api:
    """One service's API. Use as `async with Api(url, key) as api:`."""

    def __init__(self, base_url: str, api_key: str, *, name: str = "service") -> None:
        headers = {"authorization": f"Bearer {api_key}"} if api_key else {}
        self.name = name
        self.base_url = base_url
        self._http = httpx.AsyncClient(base_url=base_url, headers=headers, timeout=TIMEOUT)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._http.aclose()

    async def _request(self, method: str, path: str, **options: Any) -> httpx.Response:
        """The response; RemoteError `unreachable` when the service cannot be reached."""
        try:
            return await self._http.request(method, path, **options)
        except httpx.TransportError as exc:
            raise RemoteError(
                0, "unreachable", f"cannot reach {self.name} at {self.base_url}", str(exc) or None
            ) from exc

    async def send(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        content: bytes | AsyncIterator[bytes] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """The raw response, whatever its status; RemoteError only if unreachable.

        `content` as bytes is JSON unless `headers` say otherwise; as an async iterator it
        is sent as it comes (chunked), with no time limit on writing or reading it: a large
        import takes as long as it takes."""
        options: dict[str, Any] = {}
        if isinstance(content, bytes):
            headers = headers or {"content-type": "application/json"}
        elif content is not None:
            options["timeout"] = STREAMING
        return await self._request(
            method, path, json=json, content=content, params=params, headers=headers, **options
        )

    async def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> Any:
        """The JSON body of a 2xx answer; RemoteError otherwise."""
        response = await self.send(method, path, json=json, params=params)
        if response.is_success:
            return response.json()
        raise problem_of(response)
