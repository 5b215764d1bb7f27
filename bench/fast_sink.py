"""A webhook sink fast enough to stay out of a client-side figure, in its own process.

    python bench/fast_sink.py [--port 0]        serve; writes the bound port as one line
    python bench/fast_sink.py --measure         serve in a child; print what it answers

Raw asyncio (no framework, stdlib only): HTTP/1.1 keep-alive, request line + headers +
a Content-Length body (chunked bodies are refused with 501), every request answered
`200 ok` at once, pipelined ones in one write. It counts the connections it accepted
and, per path, the requests, the distinct `x-herald-delivery-id` values (the header the
webhook provider sends) and the first and last arrival (time.monotonic(), system-wide
on Linux); `GET /_stats` returns them as JSON. Started by FastSink, it also stops when
its stdin closes (its parent died).

The in-process `tests.support.sink.HttpSink` (uvicorn) answers ~150/s beside the
benchmark driver; this one answers ~8,000/s to raw asyncio clients on 2 shared cores
(`--measure`), far above what one httpx client drives here (~50-400/s: httpx, not the
sink, spends the CPU).
"""

import argparse
import asyncio
import json
import os
import signal
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DELIVERY_HEADER = b"x-herald-delivery-id"
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"
REFUSED = b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"


@dataclass
class PathStats:
    requests: int = 0
    ids: set[bytes] = field(default_factory=set)
    with_id: int = 0
    first: float = 0.0
    last: float = 0.0

    def see(self, delivery_id: bytes | None) -> None:
        now = time.monotonic()
        self.first = self.first or now
        self.last = now
        self.requests += 1
        if delivery_id is not None:
            self.with_id += 1
            self.ids.add(delivery_id)

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "delivery_ids": len(self.ids),
            "repeats": self.with_id - len(self.ids),
            "first": self.first,
            "last": self.last,
        }


@dataclass
class Stats:
    connections: int = 0
    paths: dict[str, PathStats] = field(default_factory=dict)

    def as_json(self) -> bytes:
        paths = {p: s.as_json() for p, s in self.paths.items()}
        return json.dumps({"connections": self.connections, "paths": paths}).encode()


class SinkProtocol(asyncio.Protocol):
    def __init__(self, stats: Stats) -> None:
        self._stats = stats
        self._buf = bytearray()
        self._transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._stats.connections += 1

    def data_received(self, data: bytes) -> None:
        self._buf += data
        out: list[bytes] = []
        close = False
        while not close and (end := self._buf.find(b"\r\n\r\n")) >= 0:
            lines = bytes(self._buf[:end]).split(b"\r\n")
            method, target, _ = lines[0].split(b" ", 2)
            length, delivery_id, chunked = 0, None, False
            for line in lines[1:]:
                name, _, value = line.partition(b":")
                name = name.strip().lower()
                if name == b"content-length":
                    length = int(value)
                elif name == DELIVERY_HEADER:
                    delivery_id = value.strip()
                elif name == b"transfer-encoding":
                    chunked = True
                elif name == b"connection":
                    close = value.strip().lower() == b"close"
            if chunked:
                out.append(REFUSED)
                close = True
                break
            if len(self._buf) < end + 4 + length:
                close = False  # decided again once the whole request is here
                break
            del self._buf[: end + 4 + length]
            out.append(self._answer(method, target.split(b"?", 1)[0].decode(), delivery_id))
        assert self._transport is not None
        if out:
            self._transport.write(b"".join(out))
        if close:
            self._transport.close()

    def _answer(self, method: bytes, path: str, delivery_id: bytes | None) -> bytes:
        if method == b"GET" and path == "/_stats":
            body = self._stats.as_json()
            head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
            return head + str(len(body)).encode() + b"\r\n\r\n" + body
        self._stats.paths.setdefault(path, PathStats()).see(delivery_id)
        return OK


async def serve(port: int, watch_stdin: bool) -> None:
    stats = Stats()
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SinkProtocol(stats), "127.0.0.1", port, backlog=1024, reuse_address=True
    )
    sys.stdout.write(f"{server.sockets[0].getsockname()[1]}\n")
    sys.stdout.flush()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    if watch_stdin:
        fd = sys.stdin.fileno()
        loop.add_reader(fd, lambda: os.read(fd, 4096) or stop.set())
    async with server:
        await stop.wait()


class FastSink:
    """The sink in a child process: `await FastSink().start()`, `url()`, `stats()`, `stop()`."""

    def __init__(self) -> None:
        self.port = 0
        self._proc: asyncio.subprocess.Process | None = None

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    async def start(self) -> "FastSink":
        self._proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(Path(__file__).resolve()),
            "--watch-stdin",
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        assert self._proc.stdout is not None
        line = await asyncio.wait_for(self._proc.stdout.readline(), 30)
        if not line:
            raise RuntimeError(f"fast sink did not start (rc {await self._proc.wait()})")
        self.port = int(line)
        return self

    async def stats(self) -> dict[str, Any]:
        """Connections accepted; per path: requests, distinct delivery ids, repeats (requests
        carrying an id already seen), first and last arrival."""
        reader, writer = await asyncio.open_connection("127.0.0.1", self.port)
        writer.write(b"GET /_stats HTTP/1.1\r\nHost: sink\r\nConnection: close\r\n\r\n")
        raw = await reader.read()
        writer.close()
        await writer.wait_closed()
        stats: dict[str, Any] = json.loads(raw.split(b"\r\n\r\n", 1)[1])
        return stats

    async def stop(self) -> None:
        if self._proc and self._proc.returncode is None:
            self._proc.terminate()
            await self._proc.wait()


async def ceiling(url: str, seconds: float = 2.0, connections: int = 200) -> float:
    """Requests/s the sink answers to raw keep-alive asyncio clients (a lower bound:
    the clients share the machine with it)."""
    host, port = url.split("//", 1)[1].split("/", 1)[0].split(":")
    path = "/" + url.split("//", 1)[1].split("/", 1)[1]
    body = b'{"delivery_id": "ceiling"}'
    req = f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Length: {len(body)}\r\n\r\n"
    request = req.encode() + body
    done = 0
    deadline = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal done
        reader, writer = await asyncio.open_connection(host, int(port))
        while time.perf_counter() < deadline:
            writer.write(request)
            await reader.readexactly(len(OK))
            done += 1
        writer.close()

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(connections)))
    return done / (time.perf_counter() - started)


async def measure(n: int, concurrency: int) -> None:
    """What the sink answers: raw clients, then one httpx client at `concurrency`."""
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from bench.pipeline import bare_http

    sink = await FastSink().start()
    try:
        raw = await ceiling(sink.url("/raw"), connections=concurrency)
        httpx_rate = await bare_http(sink.url("/bare"), n, concurrency)
        stats = await sink.stats()
    finally:
        await sink.stop()
    line = {"raw_per_s": round(raw), "httpx_per_s": round(httpx_rate), "stats": stats}
    sys.stdout.write(json.dumps({"concurrency": concurrency, **line}) + "\n")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--measure", action="store_true")
    parser.add_argument("--watch-stdin", action="store_true", help="stop when stdin closes")
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=200)
    args = parser.parse_args()
    if args.measure:
        asyncio.run(measure(args.requests, args.concurrency))
    else:
        asyncio.run(serve(args.port, args.watch_stdin))
