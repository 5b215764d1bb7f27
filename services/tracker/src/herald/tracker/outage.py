"""Database errors that mean "Postgres is away", turned into ones the consumer retries.

The runtime's BatchConsumer retries OSError and asyncpg's connection errors with
backoff (and marks the service not ready); a server shutting down or starting up
answers with "operator intervention" errors instead, which would otherwise send a
good batch to the dead-letter topic. So would a lock we could not get in time or a
deadlock, which are worth another try as well. A row for a month without a partition (another
replica dropped it) is retried too, after forgetting the partitions we knew of.
"""

import contextlib
from collections.abc import Iterator
from typing import Protocol

import asyncpg


class DatabaseUnavailableError(ConnectionError):
    """Postgres is not answering; the batch will be retried, nothing is lost."""


class Forgetful(Protocol):
    def forget(self) -> None: ...


@contextlib.contextmanager
def transient_database_errors(partitions: Forgetful) -> Iterator[None]:
    try:
        yield
    except (
        asyncpg.exceptions.OperatorInterventionError,
        asyncpg.exceptions.PostgresConnectionError,
        asyncpg.exceptions.InsufficientResourcesError,
        asyncpg.exceptions.LockNotAvailableError,
        asyncpg.exceptions.DeadlockDetectedError,
    ) as exc:
        raise DatabaseUnavailableError(f"{type(exc).__name__}: {exc}") from exc
    except asyncpg.exceptions.CheckViolationError as exc:
        partitions.forget()
        raise DatabaseUnavailableError("a partition went missing; creating it again") from exc
