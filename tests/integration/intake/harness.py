"""Intake wired for a test: in-process on the real broker and Postgres, with API keys."""

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


def intake_settings(kafka: str, database_url: str, prefix: str, keys_file: Path) -> IntakeSettings:
    return IntakeSettings(**service_env(kafka, database_url, prefix, api_keys_file=str(keys_file)))
