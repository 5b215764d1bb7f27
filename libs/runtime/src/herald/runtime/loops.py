"""Background loops, one way: a step run every N seconds, supervised by the runtime.

`every` turns a step into a loop; `Runtime.add_loop` names and registers it. The runtime
supervises every loop (`supervise`, with the loop's name bound to its log lines): a loop
that fails marks the service not ready, is logged, and restarts after a pause. A loop
whose failures must not touch readiness (reporting, housekeeping) hands `every` an
`on_failure`: a failing round is then logged and handed to it (to count), and the loop
waits its interval as after any round.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

from herald.runtime.health import Health
from herald.runtime.transient import TRANSIENT

log = structlog.get_logger(__name__)
T = TypeVar("T")
Loop = Callable[[], Awaitable[None]]
RESTART_PAUSE_S = 1.0


def every(
    interval_s: float,
    step: Callable[[], Awaitable[T]],
    *,
    again: Callable[[T], bool] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
) -> Loop:
    """Run `step`, wait `interval_s`, and so on. When `again(result)` is true there is
    more to do at once (a full batch), and the next round starts without waiting."""

    async def loop() -> None:
        while True:
            try:
                result = await step()
            except Exception as exc:
                if on_failure is None:
                    raise
                on_failure(exc)
                log.warning("loop_round_failed", error=f"{type(exc).__name__}: {exc}")
            else:
                if again is not None and again(result):
                    continue
            await asyncio.sleep(interval_s)

    return loop


async def supervise(name: str, loop: Loop, health: Health) -> None:
    """Run the loop for ever (in its own task: the name is bound to its log lines only);
    after a failure, readiness says so until it is restarted."""
    structlog.contextvars.bind_contextvars(loop=name)
    part = f"loop:{name}"
    while True:
        try:
            await loop()
        except asyncio.CancelledError:
            raise
        except TRANSIENT as exc:
            health.degraded(part, f"{type(exc).__name__}: {exc}")
            log.warning("background_loop_waiting_for_dependency", error=str(exc))
        except Exception as exc:
            health.degraded(part, str(exc))
            log.exception("background_loop_failed")
        await asyncio.sleep(RESTART_PAUSE_S)
        health.ok(part)  # optimistic: a loop failing again marks it again
