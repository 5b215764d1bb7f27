"""What the critical lane's integration tests share: recipients with a webhook, pushes,
and the sink's view of what arrived."""

from pathlib import Path
from typing import Any

import asyncpg

from herald.contracts import PushRequest, Recipient
from herald.dispatcher.settings import DispatcherSettings
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
