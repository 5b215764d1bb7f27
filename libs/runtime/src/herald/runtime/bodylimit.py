"""Every request body capped as it streams, before any route reads it.

A declared `content-length` over the limit is answered 413 at once; a body that streams
past it (chunked, or lying about its length) is cut off at the limit: the app's next
read raises and, if nothing was answered yet, the client gets 413. Limits are by path
prefix (the longest matching prefix wins), with a default for every other path, so a
login form, a receipt callback or a dry run can never make a service buffer megabytes.
"""

import json
from collections.abc import Mapping

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from herald.contracts import ReasonCode


class _TooLargeError(Exception):
    pass


def problem_413(size: int, limit: int) -> bytes:
    return json.dumps(
        {
            "type": f"https://herald.dev/problems/{ReasonCode.INVALID_REQUEST}",
            "title": "Payload too large",
            "status": 413,
            "code": str(ReasonCode.INVALID_REQUEST),
            "detail": f"the body is at least {size} bytes, the limit here is {limit}",
        }
    ).encode()


class BodyLimit:
    def __init__(self, app: ASGIApp, default: int, limits: Mapping[str, int]) -> None:
        self._app = app
        self._default = default
        self._limits = sorted(limits.items(), key=lambda kv: -len(kv[0]))

    def limit_for(self, path: str) -> int:
        return next((n for prefix, n in self._limits if path.startswith(prefix)), self._default)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        limit = self.limit_for(scope.get("path", ""))
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _answer_413(send, declared, limit)
            return
        seen = 0
        answered = exceeded = replaced = False

        async def counted() -> Message:
            nonlocal seen, exceeded
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise _TooLargeError
            return message

        async def watched(message: Message) -> None:
            nonlocal answered, replaced
            if exceeded and not answered:
                # the app caught the cut-off read and answers it (FastAPI: 400 "error
                # parsing the body"): what it could not read whole is our 413
                answered = replaced = True
                await _answer_413(send, seen, limit)
            if replaced:
                return
            if message["type"] == "http.response.start":
                answered = True
            await send(message)

        try:
            await self._app(scope, counted, watched)
        except _TooLargeError:
            if not answered:
                await _answer_413(send, seen, limit)


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


async def _answer_413(send: Send, size: int, limit: int) -> None:
    body = problem_413(size, limit)
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
