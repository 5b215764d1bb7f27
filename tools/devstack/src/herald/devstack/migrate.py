"""`python -m herald.devstack.migrate [SERVICE ...]`: apply the services' Postgres migrations.

The Kubernetes migration Job runs this before a rollout (deploy/base/migrate-job.yaml,
image: deploy/Dockerfile, SERVICE=migrate). Each service also applies its own folder at
start-up under the same advisory lock (herald.runtime.db.migrate), so this is a gate that fails
a release early, never a second source of truth: the folders are the ones the services'
manifests declare, and migrations are recorded under the same service names.

This module imports only herald.runtime and the services' manifests (through
herald.devstack.services), so the migrate image can carry the two modules without the
rest of herald-devstack.
"""

import asyncio
import os
import sys
from pathlib import Path

import structlog

from herald.devstack.services import BY_NAME
from herald.runtime.db import create_pool, migrate
from herald.runtime.logging import configure_logging

SERVICES = tuple(name for name, m in BY_NAME.items() if m.migrations is not None)
log = structlog.get_logger("herald.migrate")


def migrations_folder(service: str) -> Path:
    """The folder the service itself migrates from at start-up (its manifest says)."""
    folder = BY_NAME[service].migrations
    if folder is None:
        raise LookupError(f"{service} keeps nothing in Postgres: no migrations")
    return folder


async def apply_all(dsn: str, services: tuple[str, ...] = SERVICES) -> dict[str, list[str]]:
    """Apply what is missing, service by service; return the versions applied per service."""
    folders = {name: migrations_folder(name) for name in services}
    pool = await create_pool(dsn, max_size=1)
    try:
        return {name: await migrate(pool, name, folder) for name, folder in folders.items()}
    finally:
        await pool.close()


def main(argv: list[str]) -> int:
    configure_logging("migrate")
    dsn = os.environ.get("DATABASE_URL")
    if not dsn:
        log.error("database_url_missing")
        return 2
    services = tuple(argv) or SERVICES
    unknown = sorted(set(services) - set(SERVICES))
    if unknown:
        log.error("unknown_services", services=unknown, known=SERVICES)
        return 2
    applied = asyncio.run(apply_all(dsn, services))
    log.info("migrations_done", applied=applied)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
