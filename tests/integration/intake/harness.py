"""Intake wired for a test: in-process on the real broker and Postgres, with API keys."""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from herald.intake.settings import IntakeSettings
from tests.support.kafka import TopicWatcher
from tests.support.keys import bearer
from tests.support.service import service_env


@dataclass
class Intake:
    http: httpx.AsyncClient
    keys: dict[tuple[str, str], str]
    kafka: str
    prefix: str
    settings: IntakeSettings
    status: TopicWatcher

    def topic(self, name: str) -> str:
        return self.prefix + name

    def as_(self, tenant: str, role: str) -> dict[str, str]:
        return bearer(self.keys[(tenant, role)])


def intake_settings(
    kafka: str, database_url: str, prefix: str, keys_file: Path, **extra: object
) -> IntakeSettings:
    env = service_env(kafka, database_url, prefix, api_keys_file=str(keys_file), **extra)
    return IntakeSettings(**env)


CALLBACK_SETTINGS = {
    "callbacks_allow_http": True,
    "callbacks_backoff_base_s": 0.2,
    "callbacks_backoff_max_s": 1.0,
    "callbacks_interval_s": 0.1,
    "callbacks_timeout_s": 3.0,
    "callbacks_disable_after": 4,
}
"""Callbacks for tests: plain http to local receivers, retries within a second."""


DNS: dict[str, list[str]] = {}
"""The strict intake's DNS (`answers(DNS)`): tests add their own hosts' answers."""


def answers(table: dict[str, list[str]]) -> Callable[[str, int], Awaitable[list[str]]]:
    """A resolver: each host answers its addresses in turn, the last one for ever after
    (a name that rebinds between calls); hosts not in the table do not resolve."""

    async def resolve(host: str, _port: int) -> list[str]:
        queue = table.get(host)
        if not queue:
            raise OSError(f"{host} does not resolve")
        return [queue.pop(0) if len(queue) > 1 else queue[0]]

    return resolve
