"""Background loops, one way: a step run every N seconds, supervised by the runtime.

`every` turns a step into a loop; `Runtime.add_loop` names and registers it. The runtime
supervises every loop (`supervise`, with the loop's name bound to its log lines): a loop
that fails marks the service not ready, is logged, and restarts after a pause. A loop
whose failures must not touch readiness (reporting, housekeeping) hands `every` an
`on_failure`: a failing round is then logged and handed to it (to count), and the loop
waits its interval as after any round.
"""

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog

from herald.runtime.health import Health
from herald.runtime.transient import TRANSIENT

log = structlog.get_logger(__name__)
T = TypeVar("T")
Loop = Callable[[], Awaitable[None]]
RESTART_PAUSE_S = 1.0


class Wakeup:
    """Cuts a loop's wait short: whoever just made work for it (in this process) calls
    `set`, and a loop waiting out its interval starts its next round at once. The interval
    stays as the fallback for work made elsewhere (another replica, a timer coming due)."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        """Called as a round starts: a `set` during the round is kept for the next wait."""
        self._event.clear()

    async def wait(self, timeout_s: float) -> None:
        """Until `set` (or already set since the last `clear`), or `timeout_s` at most."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout_s)


def housekeeping(_exc: BaseException) -> None:
    """The `on_failure` of housekeeping (purging expired rows, say): a failed round is
    logged and leaves readiness alone; the next round retries."""


def every(
    interval_s: float,
    step: Callable[[], Awaitable[T]],
    *,
    again: Callable[[T], bool] | None = None,
    on_failure: Callable[[BaseException], None] | None = None,
    wakeup: Wakeup | None = None,
) -> Loop:
    """Run `step`, wait `interval_s`, and so on. When `again(result)` is true there is
    more to do at once (a full batch), and the next round starts without waiting; a
    `wakeup` set meanwhile ends the wait early."""

    async def loop() -> None:
        while True:
            if wakeup is not None:
                wakeup.clear()
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
            if wakeup is None:
                await asyncio.sleep(interval_s)
            else:
                await wakeup.wait(interval_s)

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
