"""One provider's HTTP connections spread over several small httpx clients.

httpcore's pool gives a freed connection to its queued requests by scanning every
request and connection, and a request that loses the race scans again: at 32
connections in one pool that is about five passes and 2.5 ms of CPU per request on
this project's 2-core bench machine, against about 1 ms with pools of 4
(bench/dispatcher_batch.py, `webhook` beside `bare_httpx`). So a provider's
concurrency is cut into pools of `PER_POOL` connections and each request goes to the
least busy pool; the total stays the provider's concurrency.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

import httpx

PER_POOL = 4


class Spread:
    def __init__(self, make: Callable[[int], httpx.AsyncClient], concurrency: int) -> None:
        """`make(connections)` builds one client with at most that many connections."""
        pools = max(1, -(-concurrency // PER_POOL))
        size = max(1, -(-concurrency // pools))
        self.clients = [make(size) for _ in range(pools)]
        self._busy = [0] * pools

    @contextmanager
    def client(self) -> Iterator[httpx.AsyncClient]:
        """The least busy client, counted busy while the caller uses it."""
        busy = self._busy
        index = busy.index(min(busy))
        busy[index] += 1
        try:
            yield self.clients[index]
        finally:
            busy[index] -= 1

    async def aclose(self) -> None:
        for c in self.clients:
            await c.aclose()
