"""Wait on conditions, never on fixed sleeps."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    probe: Callable[[], Awaitable[T | None]] | Callable[[], T | None],
    *,
    timeout: float = 30.0,
    interval: float = 0.1,
    what: str = "condition",
) -> T:
    """Call `probe` until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        result = probe()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result  # type: ignore[return-value]
        last = result
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


async def while_progressing(
    remaining: Callable[[], int], *, stall: float = 60.0, interval: float = 0.5, what: str
) -> None:
    """Wait until `remaining()` is 0 for as long as it keeps going down: fail only when it
    has not gone down for `stall` seconds (a slow machine is not a stuck system)."""
    best, since = remaining(), time.monotonic()
    while best:
        await asyncio.sleep(interval)
        left = remaining()
        if left < best:
            best, since = left, time.monotonic()
        elif time.monotonic() - since > stall:
            raise AssertionError(f"{what}: {best} left, none done in the last {stall:.0f}s")
