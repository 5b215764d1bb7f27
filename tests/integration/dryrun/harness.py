"""Review and the scheduler served on real ports, intake in-process asking them, all on
the session's broker and Postgres (one database: each service has its own schema).

Review can be stopped and started again on its port (`Restartable`), so that "review
is down" needs no second intake: two intakes at once would share intake's consumer
groups (their names carry no topic prefix) and upset the broker's group for later tests.
"""

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import uvicorn
from fastapi import FastAPI

from herald.contracts import Recipient
from herald.devstack.ports import free_port, wait_for_port
from tests.support.kafka import TopicWatcher, produce
from tests.support.keys import bearer
from tests.support.service import service_env
from tests.support.waiting import eventually

SAMPLE = 40
"""The scheduler times at most about this many recipients (tests of sampling exceed it)."""
POLICY = '{"default": {"caps": {"all": {"per_day": 1}}}}'
"""One marketing push per recipient and day (only recipients with usage rows feel it)."""
SCHEDULER = {"dry_run_sample": SAMPLE, "scheduler_policy_json": POLICY}


class Restartable:
    """A service on a fixed local port that a test may stop and start again (a new app
    each time, its lifespan included)."""

    def __init__(self, make: Callable[[], FastAPI]) -> None:
        self._make = make
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        config = uvicorn.Config(
            self._make(), host="127.0.0.1", port=self.port, log_config=None, lifespan="on"
        )
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve())
        await wait_for_port("127.0.0.1", self.port, timeout=60)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        self._server = self._task = None


@dataclass
class DryRunStack:
    intake: httpx.AsyncClient
    keys: dict[tuple[str, str], str]
    kafka: str
    prefix: str
    database_url: str
    review_url: str
    scheduler_url: str
    keys_file: Path
    watch: dict[str, TopicWatcher]
    review: Restartable

    def as_(self, tenant: str = "acme", role: str = "submitter") -> dict[str, str]:
        return bearer(self.keys[(tenant, role)])

    async def dry_run(self, body: Any, tenant: str = "acme", role: str = "submitter") -> Any:
        return await self.intake.post(
            "/v1/requests",
            params={"dry_run": "true"},
            json=body,
            headers=self.as_(tenant, role),
            timeout=30,
        )

    async def directory(self, people: Sequence[Recipient]) -> None:
        """Publish recipient profiles and wait until the scheduler's directory has them."""
        await produce(
            self.kafka,
            self.prefix + "push.recipients.v1",
            [(p.recipient_id, p.model_dump_json().encode()) for p in people],
        )
        ids = [p.recipient_id for p in people]
        await eventually(
            lambda: self.fetchval(
                "SELECT count(*) = $2 FROM scheduler.recipients WHERE recipient_id = ANY($1)",
                ids,
                len(ids),
            ),
            what="the directory",
        )

    async def fetchval(self, sql: str, *args: Any) -> Any:
        conn = await asyncpg.connect(self.database_url)
        try:
            return await conn.fetchval(sql, *args)
        finally:
            await conn.close()

    async def sent_today(self, recipient_id: str, at: datetime) -> None:
        """Cap usage as if the recipient had had one push today (their zone is UTC)."""
        await self.fetchval(
            """INSERT INTO scheduler.caps (tenant, recipient_id, scope, day, sent, last_at)
               VALUES ('acme', $1, '*', $2, 1, $3)""",
            recipient_id,
            at.date(),
            at,
        )

    async def stored_anywhere(self, request_id: str) -> int:
        return int(
            await self.fetchval(
                """SELECT (SELECT count(*) FROM intake.requests WHERE request_id = $1)
                        + (SELECT count(*) FROM review.decisions WHERE request_id = $1)
                        + (SELECT count(*) FROM scheduler.plans WHERE request_id = $1)""",
                request_id,
            )
        )


def env(kafka: str, database_url: str, prefix: str, keys: Path, **extra: Any) -> dict[str, Any]:
    return service_env(kafka, database_url, prefix, api_keys_file=str(keys), **extra)
