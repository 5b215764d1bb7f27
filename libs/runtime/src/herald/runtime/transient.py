"""Errors that mean "a dependency is away for now": wait and retry, never dead-letter."""

from aiokafka.errors import KafkaError
from asyncpg import InterfaceError, PostgresConnectionError
from asyncpg.exceptions import CannotConnectNowError, OperatorInterventionError

TRANSIENT: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    PostgresConnectionError,
    InterfaceError,
    CannotConnectNowError,  # Postgres starting up or shutting down
    OperatorInterventionError,  # e.g. admin shutdown, terminated connections
    KafkaError,
)
