"""Waiting out a dependency that is away: retried until it is back, never given up on
(unless told how often to try), and only for errors that mean "not now"."""

import asyncpg
import pytest
from aiokafka.errors import KafkaConnectionError

from herald.runtime.transient import TRANSIENT, TransientError, retry_transient


class Flaky:
    """Fails with `error` the first `failures` calls, then answers."""

    def __init__(self, error: Exception, failures: int) -> None:
        self.error, self.failures, self.calls = error, failures, 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


@pytest.mark.parametrize(
    "error",
    [
        ConnectionRefusedError("refused"),
        KafkaConnectionError("broker away"),
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.ConnectionDoesNotExistError("closed"),
        asyncpg.exceptions.TooManyConnectionsError("too many clients"),
        asyncpg.exceptions.LockNotAvailableError("lock timeout"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        asyncpg.exceptions.SerializationError("could not serialize access"),
        TransientError("a partition went missing"),
    ],
)
async def test_an_outage_or_a_refused_transaction_is_waited_out(error: Exception) -> None:
    assert isinstance(error, TRANSIENT)
    op = Flaky(error, failures=3)
    waits: list[BaseException] = []
    assert await retry_transient(op, "waiting", on_wait=waits.append, first_delay_s=0) == "done"
    assert op.calls == 4
    assert waits == [error] * 3


async def test_other_errors_are_raised_at_once() -> None:
    op = Flaky(asyncpg.exceptions.UniqueViolationError("dup"), failures=1)
    with pytest.raises(asyncpg.exceptions.UniqueViolationError):
        await retry_transient(op, "waiting", first_delay_s=0)
    assert op.calls == 1


async def test_with_a_number_of_attempts_the_last_failure_is_raised() -> None:
    op = Flaky(ConnectionResetError("reset"), failures=10)
    with pytest.raises(ConnectionResetError):
        await retry_transient(op, "waiting", first_delay_s=0, attempts=3)
    assert op.calls == 3
