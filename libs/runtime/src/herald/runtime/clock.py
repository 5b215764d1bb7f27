"""Time, one way: services take a `Clock` (tests hand in their own); `utc_now` is the real one."""

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)
