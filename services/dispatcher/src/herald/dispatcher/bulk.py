"""Sends of one provider that reach their call together go out as one `send_many`.

A provider whose vendor has a bulk API overrides `send_many` (docs/providers.md, "Bulk
sends"). The dispatcher's lanes each carry one send through its gate, checks and call;
the lanes that reach the same provider in the same turn of the event loop (all of them,
in a steady batch: they wake together when the previous call answers) hand their
messages to a `Bulk`, which makes one `send_many` of them on the next turn and answers
each send its own Attempt. Each send keeps its own gate slot, timeout, retries and
failover: only the call is shared. Providers without a bulk API are called one by one.
"""

import asyncio
from collections.abc import Sequence

from herald.dispatcher.providers.base import Attempt, Message, Provider

_Waiting = list[tuple[Message, "asyncio.Future[Attempt]"]]


def has_bulk_api(provider: Provider) -> bool:
    """Whether the provider's class overrides the default, one-`send`-each `send_many`."""
    return getattr(type(provider), "send_many", Provider.send_many) is not Provider.send_many


class Bulk:
    def __init__(self, provider: Provider) -> None:
        self._provider = provider
        self._waiting: _Waiting = []
        self._calls: set[asyncio.Task[None]] = set()

    async def send(self, message: Message) -> Attempt:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Attempt] = loop.create_future()
        if not self._waiting:
            loop.call_soon(self._flush)
        self._waiting.append((message, answer))
        return await answer

    def _flush(self) -> None:
        waiting, self._waiting = self._waiting, []
        task = asyncio.create_task(self._call(waiting))
        self._calls.add(task)
        task.add_done_callback(self._calls.discard)

    async def _call(self, waiting: _Waiting) -> None:
        try:
            attempts: Sequence[Attempt] = await self._provider.send_many([m for m, _ in waiting])
        except Exception as exc:  # each send sees the error its own call would have raised
            _fail(waiting, exc)
            return
        if len(attempts) != len(waiting):
            _fail(waiting, RuntimeError(f"send_many answered {len(attempts)} of {len(waiting)}"))
            return
        for (_, answer), attempt in zip(waiting, attempts, strict=True):
            if not answer.done():  # its send timed out or was cancelled meanwhile
                answer.set_result(attempt)


def _fail(waiting: _Waiting, exc: Exception) -> None:
    for _, answer in waiting:
        if not answer.done():
            answer.set_exception(exc)
