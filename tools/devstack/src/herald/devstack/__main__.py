"""`make run`: bring the whole system up in the foreground; Ctrl-C stops all of it."""

import asyncio
import contextlib
import signal
import time
from pathlib import Path

import structlog

from herald.devstack.stack import Stack
from herald.runtime.logging import configure_logging

log = structlog.get_logger("herald.devstack")


async def main() -> None:
    configure_logging("devstack")
    started = time.monotonic()
    stack = Stack(state_dir=Path(".herald"))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stack.start_infrastructure()
        await stack.start_services()
        log.info(
            "herald_ready",
            seconds=round(time.monotonic() - started, 1),
            kafka=stack.bootstrap,
            ports=stack.ports,
            api_keys=".herald/dev-keys.env",
        )
        supervisor = asyncio.create_task(stack.supervise())
        await stop.wait()
        supervisor.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await supervisor
    finally:
        log.info("herald_stopping")
        await stack.stop()


if __name__ == "__main__":
    asyncio.run(main())
