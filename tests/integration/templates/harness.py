"""Intake and review together, in-process on the real broker and Postgres (one database,
one topic prefix): what a template's publication and use go through."""

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from herald.intake.main import create_app as create_intake
from herald.intake.settings import IntakeSettings
from herald.review.main import create_app as create_review
from herald.review.settings import ReviewSettings
from tests.support.kafka import TopicWatcher
from tests.support.keys import bearer, write_keys
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.waiting import eventually


@dataclass
class Pair:
    intake: httpx.AsyncClient
    review: httpx.AsyncClient
    keys: dict[tuple[str, str], str]
    status: TopicWatcher
    approved: TopicWatcher

    def as_(self, role: str, tenant: str = "acme") -> dict[str, str]:
        return bearer(self.keys[(tenant, role)])

    async def decided(self, name: str, version: int, *, pending_ok: bool = False) -> dict[str, Any]:
        """The version once review decided it (or, `pending_ok`, held it for a human)."""

        async def state() -> dict[str, Any] | None:
            got = await self.intake.get(
                f"/v1/templates/{name}/versions/{version}", headers=self.as_("viewer")
            )
            body: dict[str, Any] = got.json()
            waiting = body["state"] == "in_review" and not (pending_ok and body["reasons"])
            return None if body["state"] == "draft" or waiting else body

        found: dict[str, Any] = await eventually(state, timeout=30, what=f"review of {name}")
        return found


@contextlib.asynccontextmanager
async def intake_and_review(kafka: str, database_url: str, folder: Path) -> AsyncIterator[Pair]:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    keys = write_keys(folder / "keys.json")
    env = service_env(kafka, database_url, prefix, api_keys_file=str(folder / "keys.json"))
    status = await TopicWatcher(kafka, prefix + "push.status.v1").start()
    approved = await TopicWatcher(kafka, prefix + "push.approved.v1").start()
    try:
        async with (
            running(create_review(ReviewSettings(**env))) as review,
            running(create_intake(IntakeSettings(**env))) as intake,
        ):
            yield Pair(intake, review, keys, status, approved)
    finally:
        await status.stop()
        await approved.stop()
