"""The event loop's lateness is measured: a callback that holds the loop shows in
`herald_event_loop_lag_seconds` as a late wake-up."""

import asyncio
import contextlib
import time

from prometheus_client import CollectorRegistry

from herald.runtime.loop_lag import LoopLag


async def test_a_callback_holding_the_loop_shows_as_lag() -> None:
    registry = CollectorRegistry()
    lag = LoopLag(registry, interval_s=0.01)
    task = asyncio.create_task(lag.run())
    await asyncio.sleep(0.02)
    time.sleep(0.3)
    await asyncio.sleep(0.05)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    late = registry.get_sample_value("herald_event_loop_lag_seconds_bucket", {"le": "0.1"})
    total = registry.get_sample_value("herald_event_loop_lag_seconds_count")
    assert total is not None and late is not None
    assert total - late >= 1  # at least one wake-up more than 100 ms late
