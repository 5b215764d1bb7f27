"""Errors that mean "not now": wait and retry, never dead-letter; and the one way to wait.

A dependency away (a broker or Postgres restarting, a connection dropped) and Postgres
refusing one transaction for now (a deadlock victim, a lock not granted in time, too
many connections) are the same to a service: the work is idempotent, so it runs again
later. Consumers retry such a batch (`herald.runtime.consumer`), background loops wait
(`herald.runtime.loops`), HTTP answers 503 with Retry-After (`herald.runtime.problems`).
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import structlog
from aiokafka.errors import KafkaError
from asyncpg import InterfaceError, PostgresConnectionError
from asyncpg.exceptions import (
    CannotConnectNowError,
    InsufficientResourcesError,
    InternalClientError,
    LockNotAvailableError,
    OperatorInterventionError,
    TransactionRollbackError,
)

log = structlog.get_logger(__name__)
T = TypeVar("T")


class TransientError(ConnectionError):
    """Raised by a service for a condition only it recognises as passing (e.g. a table
    partition another replica dropped): the work is retried like any outage."""


TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,  # ConnectionError and TransientError included
    TimeoutError,
    PostgresConnectionError,
    InterfaceError,
    InternalClientError,  # asyncpg's state after a connection broke mid-operation (a restart)
    CannotConnectNowError,  # Postgres starting up or shutting down
    OperatorInterventionError,  # e.g. admin shutdown, terminated connections
    InsufficientResourcesError,  # e.g. too many connections
    LockNotAvailableError,  # a lock not granted within lock_timeout
    TransactionRollbackError,  # a deadlock victim or serialization failure: run it again
    KafkaError,
)


async def retry_transient(
    op: Callable[[], Awaitable[T]],
    event: str,
    *,
    on_wait: Callable[[BaseException], None] | None = None,
    first_delay_s: float = 0.1,
    max_delay_s: float = 5.0,
    attempts: int | None = None,
    errors: tuple[type[BaseException], ...] = TRANSIENT,
    **fields: object,
) -> T:
    """Run `op` until it succeeds, waiting out `errors` with exponential backoff.

    Each wait is logged as `event` (with the error, the attempt and `fields`) after
    `on_wait` is told; with `attempts`, the last failure is raised. Anything else is
    raised at once."""
    delay = first_delay_s
    attempt = 1
    while True:
        try:
            return await op()
        except errors as exc:
            if attempts is not None and attempt >= attempts:
                raise
            if on_wait is not None:
                on_wait(exc)
            log.warning(event, error=str(exc), attempt=attempt, **fields)
            await asyncio.sleep(delay)
            delay = min(delay * 2, max_delay_s)
            attempt += 1
