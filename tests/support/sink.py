"""A local HTTP server that records what it is sent (a webhook receiver or provider)."""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from herald.devstack.ports import free_port, wait_for_port


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float = 0.0
    """time.perf_counter() when it arrived"""
    answered: int = 0
    """the status the sink answered with"""


@dataclass
class HttpSink:
    port: int = field(default_factory=free_port)
    status: int = 200
    received: list[Received] = field(default_factory=list)
    _server: uvicorn.Server | None = None
    _task: asyncio.Task[None] | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    respond: Callable[[Received], Awaitable[int]] | None = None
    """Decides each answer's status (and may delay it); default: `status`."""

    async def _handle(self, request: Request) -> JSONResponse:
        got = Received(
            request.url.path, dict(request.headers), await request.body(), time.perf_counter()
        )
        self.received.append(got)
        status = await self.respond(got) if self.respond else self.status
        got.answered = status
        return JSONResponse({"ok": status < 400}, status)

    async def start(self) -> "HttpSink":
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["POST", "PUT"])])
        config = uvicorn.Config(
            app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        await wait_for_port("127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        if self._server:
            self._server.should_exit = True
        if self._task:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
