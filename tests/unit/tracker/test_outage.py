"""Postgres being away (or shutting down) is a retryable condition, never a dead letter."""

import asyncpg
import pytest

from herald.runtime.transient import TRANSIENT
from herald.tracker.outage import DatabaseUnavailableError, transient_database_errors


class Partitions:
    forgotten = 0

    def forget(self) -> None:
        self.forgotten += 1


@pytest.mark.parametrize(
    "error",
    [
        asyncpg.exceptions.AdminShutdownError("terminating connection"),
        asyncpg.exceptions.CannotConnectNowError("the database system is starting up"),
        asyncpg.exceptions.ConnectionDoesNotExistError("closed"),
        asyncpg.exceptions.TooManyConnectionsError("too many clients"),
        asyncpg.exceptions.LockNotAvailableError("lock timeout"),
    ],
)
def test_database_going_away_becomes_an_error_the_consumer_retries(error: Exception) -> None:
    with pytest.raises(DatabaseUnavailableError) as caught, transient_database_errors(Partitions()):
        raise error
    assert isinstance(caught.value, TRANSIENT)


def test_a_missing_partition_is_retried_after_forgetting_the_known_ones() -> None:
    partitions = Partitions()
    with pytest.raises(DatabaseUnavailableError), transient_database_errors(partitions):
        raise asyncpg.exceptions.CheckViolationError("no partition of relation found for row")
    assert partitions.forgotten == 1


def test_other_errors_pass_through() -> None:
    with (
        pytest.raises(asyncpg.exceptions.UniqueViolationError),
        transient_database_errors(Partitions()),
    ):
        raise asyncpg.exceptions.UniqueViolationError("dup")
