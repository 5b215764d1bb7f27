"""Capacity reserved for critical sends (issue 21, item 1).

A marketing blast fills every slot it can: the dispatcher's in-flight bound and each
provider's concurrency bound. An alert or a one-time code (`herald.contracts.critical`)
must not queue behind it, so each bound is split: `shared` slots any send may take, and
`reserved` slots only critical sends may take (they use shared ones too while those are
free). The provider's own limit is the sum: reserving never raises it.

Whether the send being delivered is critical is said once, where the dispatcher starts
it (`LaneSlots.slot`), and travels with the task (a context variable), so the provider
gates deeper in the call need no new argument.
"""

import asyncio
from contextvars import ContextVar

from herald.contracts.critical import is_critical
from herald.contracts.internal import Send

_CRITICAL: ContextVar[bool] = ContextVar("herald_critical_send", default=False)


def reserved_share(total: int, share: float) -> int:
    """Slots of `total` kept for critical sends: `share` of them, at least one, and never
    all (a bound of one slot reserves nothing)."""
    if total <= 1 or share <= 0:
        return 0
    return min(total - 1, max(1, round(total * share)))


class LaneSlots:
    """A semaphore whose last `reserved` slots only critical sends may take; it answers
    `acquire`, `release` and `locked` as `asyncio.Semaphore` does, for the current task."""

    def __init__(self, shared: int, reserved: int = 0) -> None:
        self._shared = asyncio.Semaphore(max(1, shared))
        self._reserved = asyncio.Semaphore(reserved) if reserved > 0 else None
        self._in_reserved = 0
        self.shared, self.reserved = max(1, shared), max(0, reserved)

    @classmethod
    def split(cls, total: int, share: float) -> "LaneSlots":
        """`total` slots, `share` of them reserved (`reserved_share`)."""
        reserved = reserved_share(total, share)
        return cls(total - reserved, reserved)

    def _critical(self) -> asyncio.Semaphore | None:
        reserved = self._reserved
        return reserved if reserved is not None and _CRITICAL.get() else None

    def locked(self) -> bool:
        mine = self._critical()
        return self._shared.locked() and (mine is None or mine.locked())

    async def acquire(self) -> bool:
        """A shared slot; for a critical send a reserved one first (shared ones are the
        marketing blast's to fill)."""
        mine = self._critical()
        if mine is not None and (not mine.locked() or self._shared.locked()):
            await mine.acquire()
            self._in_reserved += 1
            return True
        return await self._shared.acquire()

    def release(self) -> None:
        """Critical holders give back reserved slots first: slots are interchangeable among
        them, so the next critical send finds a reserved one free soonest."""
        mine = self._critical()
        if mine is not None and self._in_reserved > 0:
            self._in_reserved -= 1
            mine.release()
        else:
            self._shared.release()

    def slot(self, send: Send) -> "_Held":
        """Hold one slot while `send` is delivered (`async with`), with its lane known to
        every gate on the way (the provider's `LaneSlots` too)."""
        return _Held(self, is_critical(send.category, send.priority))


class _Held:
    """One send's slot: a plain async context manager (issue 17: per send, a generator
    based one cost a generator, a wrapper and their frames)."""

    __slots__ = ("_critical", "_slots", "_token")

    def __init__(self, slots: LaneSlots, critical: bool) -> None:
        self._slots, self._critical = slots, critical

    async def __aenter__(self) -> None:
        self._token = _CRITICAL.set(self._critical)
        try:
            await self._slots.acquire()
        except BaseException:
            _CRITICAL.reset(self._token)
            raise

    async def __aexit__(self, *_exc: object) -> None:
        try:
            self._slots.release()
        finally:
            _CRITICAL.reset(self._token)
