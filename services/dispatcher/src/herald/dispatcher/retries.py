"""The retry loop: runs parked sends whose time has come (backoff, Retry-After, rate limits)."""

import asyncio
from collections.abc import Callable
from datetime import datetime, timedelta

from herald.dispatcher.dispatching import Dispatcher
from herald.dispatcher.ledger import Ledger
from herald.dispatcher.metrics import DispatcherMetrics


class RetryLoop:
    def __init__(
        self,
        ledger: Ledger,
        dispatcher: Dispatcher,
        metrics: DispatcherMetrics,
        clock: Callable[[], datetime],
        *,
        batch: int = 200,
        poll_s: float = 1.0,
        lease_s: float = 120.0,
    ) -> None:
        self._ledger, self._dispatcher, self._metrics, self._clock = (
            ledger,
            dispatcher,
            metrics,
            clock,
        )
        self._batch, self._poll_s, self._lease = batch, poll_s, timedelta(seconds=lease_s)

    async def run(self) -> None:
        while True:
            if await self.once() < self._batch:
                await asyncio.sleep(self._poll_s)

    async def once(self) -> int:
        due = await self._ledger.due(self._clock(), self._batch, self._lease)
        self._metrics.waiting.set(len(due))
        if due:
            await self._dispatcher.resume(due)
        return len(due)
