"""What the critical lane's integration tests share: recipients with a webhook, pushes,
and the sink's view of what arrived."""

from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg

from herald.contracts import PushRequest, Recipient
from herald.dispatcher.main import create_app as dispatcher_app
from herald.dispatcher.settings import DispatcherSettings
from herald.scheduler.main import create_app as scheduler_app
from tests.integration.scheduler.harness import settings as scheduler_settings
from tests.support.keys import write_keys
from tests.support.service import service_env
from tests.support.sink import HttpSink


def dispatcher_settings(
    kafka: str, database_url: str, prefix: str, folder: Path, **extra: Any
) -> DispatcherSettings:
    """A dispatcher that may call the local sink's webhooks, with its keys in `folder`."""
    write_keys(folder / "keys.json")
    return DispatcherSettings(
        **service_env(
            kafka,
            database_url,
            prefix,
            api_keys_file=str(folder / "keys.json"),
            signing_secret="sign-me-sign-me-sign-me-sign-me!!",
            tracking_keys="k1:tracking-secret-tracking-secret-0123",
            webhook_allow_private=True,
            **extra,
        )
    )


def lane_apps(
    kafka: str, database_url: str, prefix: str, folder: Path, **dispatcher_extra: Any
) -> tuple[Callable[[str], Any], Callable[[str], Any]]:
    """Factories of a scheduler app and a dispatcher app serving the lanes given (`all`,
    `bulk`, `critical`), on one topic prefix and database; the dispatchers leave a dead
    group within seconds (a test stops processes)."""

    def scheduler(lanes: str) -> Any:
        return scheduler_app(scheduler_settings(kafka, database_url, prefix, lanes=lanes))

    def dispatcher(lanes: str) -> Any:
        return dispatcher_app(
            dispatcher_settings(kafka, database_url, prefix, folder,
                                kafka_session_timeout_ms=2000, kafka_heartbeat_interval_ms=600,
                                lanes=lanes, **dispatcher_extra)
        )  # fmt: skip

    return scheduler, dispatcher


def member(rid: str, hook: str) -> Recipient:
    return Recipient.model_validate(
        {
            "recipient_id": rid,
            "tenant": "acme",
            "contacts": {"webhook": hook},
            "consent": {"marketing": True},
        }
    )


def push(rid: str, ids: list[str], category: str) -> PushRequest:
    return PushRequest.model_validate(
        {
            "request_id": rid,
            "tenant": "acme",
            "requester": {"department": "growth", "user": "li.wei"},
            "goal": "g",
            "category": category,
            "channels": ["webhook"],
            "content": {"title": "Hello", "body": "A message."},
            "audience": {"recipients": ids},
        }
    )


def arrived(sink: HttpSink, path: str) -> bool:
    return any(r.path == path for r in sink.received)


async def directory_has(database_url: str, n: int, table: str = "scheduler.recipients") -> bool:
    """Whether the scheduler's directory (or `table`, a fixed name) holds `n` profiles."""
    conn = await asyncpg.connect(database_url)
    try:
        found = await conn.fetchval(f"SELECT count(*) FROM {table}")
    finally:
        await conn.close()
    return int(found) >= n
