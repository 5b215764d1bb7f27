"""The services that keep anything about a recipient, in-process on one database (one
schema each, as `make run` has them), with intake's recipient API in front."""

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from herald.dispatcher.main import create_app as dispatcher_app
from herald.dispatcher.settings import DispatcherSettings
from herald.intake.main import create_app as intake_app
from herald.intake.settings import IntakeSettings
from herald.scheduler.main import create_app as scheduler_app
from herald.scheduler.settings import SchedulerSettings
from herald.tracker.main import create_app as tracker_app
from herald.tracker.settings import TrackerSettings
from tests.support.keys import bearer, write_keys
from tests.support.serve import serving
from tests.support.service import create_topics, new_prefix, running, service_env

TRACKING_KEYS = "k1:tracking-secret-for-erasure-tests"
SIGNING_SECRET = "sign-me-sign-me-sign-me-sign-me-sign-me"


@dataclass
class Services:
    intake: httpx.AsyncClient
    dispatcher: httpx.AsyncClient
    keys: dict[tuple[str, str], str]
    kafka: str
    prefix: str
    database_url: str

    def as_(self, role: str, tenant: str = "acme") -> dict[str, str]:
        return bearer(self.keys[(tenant, role)])


@contextlib.asynccontextmanager
async def services(kafka: str, database_url: str, folder: Path) -> AsyncIterator[Services]:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    keys = write_keys(folder / "keys.json")

    def env(**extra: Any) -> dict[str, Any]:
        return service_env(
            kafka, database_url, prefix, api_keys_file=str(folder / "keys.json"), **extra
        )

    scheduler = scheduler_app(SchedulerSettings(**env(timer_poll_ms=50)))
    dispatcher = dispatcher_app(
        DispatcherSettings(
            **env(
                signing_secret="sign-me-sign-me-sign-me-sign-me-sign-me",
                tracking_keys=TRACKING_KEYS,
                send_consumers=1,
            )
        )
    )
    tracker = tracker_app(TrackerSettings(**env(tracking_keys=TRACKING_KEYS)))
    async with (
        serving(scheduler) as scheduler_url,
        running(tracker),
        running(dispatcher) as d_http,
        running(intake_app(IntakeSettings(**env(scheduler_url=scheduler_url)))) as i_http,
    ):
        yield Services(i_http, d_http, keys, kafka, prefix, database_url)


def ndjson(*rows: dict[str, Any]) -> bytes:
    return b"".join(json.dumps(r).encode() + b"\n" for r in rows)


async def tables_holding(database_url: str, text: str) -> dict[str, int]:
    """Every table of every schema in the database (every service's), and how many of
    its rows hold `text` anywhere (any column, as the row's text)."""
    conn = await asyncpg.connect(database_url)
    try:
        tables = await conn.fetch(
            """SELECT table_schema, table_name FROM information_schema.tables
               WHERE table_type = 'BASE TABLE'
                 AND table_schema NOT IN ('pg_catalog', 'information_schema')"""
        )
        found = {}
        for t in tables:
            name = f'"{t["table_schema"]}"."{t["table_name"]}"'
            n = await conn.fetchval(
                f"SELECT count(*) FROM {name} t WHERE strpos(t::text, $1) > 0",
                text,
            )
            if n:
                found[f"{t['table_schema']}.{t['table_name']}"] = n
        return found
    finally:
        await conn.close()
