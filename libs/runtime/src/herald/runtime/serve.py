"""Run a service's app under uvicorn (the console entry point of each service)."""

import cProfile
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from types import FrameType

import uvicorn
from fastapi import FastAPI

from herald.runtime.settings import ServiceSettings


def serve(create_app: Callable[[], FastAPI], settings: ServiceSettings) -> None:
    if settings.profile_dir:
        _profile_until_stopped(Path(settings.profile_dir) / f"{Path(sys.argv[0]).parent.name}.prof")
    uvicorn.run(
        create_app(),
        host=settings.http_host,
        port=settings.http_port,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=30,
    )


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
