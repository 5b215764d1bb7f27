"""Local stand-ins for providers: an HTTP/1.1 (uvicorn) or HTTP/2 (hypercorn) server whose
answers a test scripts, recording every request it gets."""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import uvicorn
from hypercorn.asyncio import serve
from hypercorn.config import Config
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from herald.devstack.ports import free_port, wait_for_port

Handler = Callable[["Seen"], Awaitable[Response] | Response]


@dataclass
class Seen:
    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    http_version: str
    peer: str = ""
    """The client's address and port: one value per connection."""


def reply(
    status: int = 200, body: object = None, headers: dict[str, str] | None = None
) -> Response:
    return JSONResponse(body if body is not None else {}, status, headers=headers)


@dataclass
class Stub:
    handler: Handler = field(default=lambda _s: reply())
    http2: bool = False
    port: int = field(default_factory=free_port)
    seen: list[Seen] = field(default_factory=list)
    _task: asyncio.Task[None] | None = None
    _server: uvicorn.Server | None = None
    _stop: asyncio.Event = field(default_factory=asyncio.Event)

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def _handle(self, request: Request) -> Response:
        seen = Seen(
            request.method,
            request.url.path,
            request.url.query,
            dict(request.headers),
            await request.body(),
            request.scope.get("http_version", ""),
            f"{request.client.host}:{request.client.port}" if request.client else "",
        )
        self.seen.append(seen)
        answer = self.handler(seen)
        return await answer if asyncio.iscoroutine(answer) else answer  # type: ignore[return-value]

    def on(self, path_part: str) -> list[Seen]:
        return [s for s in self.seen if path_part in s.path]

    async def start(self) -> "Stub":
        app = Starlette(routes=[Route("/{path:path}", self._handle, methods=["GET", "POST"])])
        if self.http2:
            config = Config()
            config.bind = [f"127.0.0.1:{self.port}"]
            config.loglevel = "WARNING"
            self._task = asyncio.create_task(serve(app, config, shutdown_trigger=self._stop.wait))  # type: ignore[arg-type]
        else:
            cfg = uvicorn.Config(
                app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off"
            )
            self._server = uvicorn.Server(cfg)
            self._task = asyncio.create_task(self._server.serve())
        await wait_for_port("127.0.0.1", self.port)
        return self

    async def stop(self) -> None:
        self._stop.set()
        if self._server:
            self._server.should_exit = True
        if self._task:
            with contextlib.suppress(asyncio.CancelledError):
                await self._task


@contextlib.asynccontextmanager
async def stub(handler: Handler = lambda _s: reply(), *, http2: bool = False):  # type: ignore[no-untyped-def]
    server = await Stub(handler, http2).start()
    try:
        yield server
    finally:
        await server.stop()
