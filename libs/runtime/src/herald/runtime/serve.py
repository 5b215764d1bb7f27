"""Run a service's app under uvicorn (the console entry point of each service)."""

import asyncio
import cProfile
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

import uvicorn
from fastapi import FastAPI

from herald.runtime.memtrace import start_memory_trace
from herald.runtime.settings import ServiceSettings


def serve(create_app: Callable[[], FastAPI], settings: ServiceSettings) -> None:
    if settings.profile_dir:
        _profile_until_stopped(Path(settings.profile_dir) / f"{Path(sys.argv[0]).parent.name}.prof")
    start_memory_trace(settings.memory_trace_frames, settings.memory_trace_every_s)
    app = create_app()
    admin = getattr(app.state, "admin", None)
    if admin is None or not settings.http_admin_port:
        uvicorn.run(app, host=settings.http_host, port=settings.http_port, **_UVICORN)
        return
    asyncio.run(_serve_both(app, admin, settings))


_UVICORN: dict[str, Any] = {
    "log_config": None,
    "access_log": False,
    "timeout_graceful_shutdown": 30,
}


async def _serve_both(app: FastAPI, admin: FastAPI, settings: ServiceSettings) -> None:
    """The public app (it runs the lifespan) and the admin app, in one event loop; when
    either stops (a signal stops both), the other is told to stop too."""
    assert settings.http_admin_port is not None
    public = uvicorn.Server(
        uvicorn.Config(app, host=settings.http_host, port=settings.http_port, **_UVICORN)
    )
    ops = uvicorn.Server(
        uvicorn.Config(
            admin, host=settings.http_host, port=settings.http_admin_port, lifespan="off",
            **_UVICORN,
        )
    )  # fmt: skip
    tasks = [asyncio.create_task(public.serve()), asyncio.create_task(ops.serve())]
    await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    public.should_exit = ops.should_exit = True
    await asyncio.gather(*tasks, return_exceptions=True)


def _profile_until_stopped(out: Path) -> None:
    """cProfile the whole process; write the stats when it is told to stop. (uvicorn
    re-raises SIGTERM/SIGINT after its graceful shutdown, with the handlers it found.)"""
    profiler = cProfile.Profile()

    def dump(signum: int, _frame: FrameType | None) -> None:
        profiler.disable()
        out.parent.mkdir(parents=True, exist_ok=True)
        profiler.dump_stats(out)
        sys.exit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, dump)
    profiler.enable()
