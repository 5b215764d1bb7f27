"""Producer credentials over the real broker: a revocation in the producers file takes
effect without a restart (a bad change keeping the last good set: tests/unit/runtime)."""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from herald.intake.main import create_app
from herald.intake.settings import IntakeSettings
from herald.runtime.provenance import Producer
from tests.integration.intake.builders import request_body
from tests.support.kafka import TopicWatcher, jbytes, produce
from tests.support.service import create_topics, new_prefix, running, service_env
from tests.support.signing import PRODUCERS, producer_entries, producer_signer
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration
ACME, GLOBEX = PRODUCERS["acme"], PRODUCERS["globex"]


@dataclass
class Running:
    kafka: str
    prefix: str
    file: Path
    status: TopicWatcher
    dlq: TopicWatcher

    async def submit(self, rid: str, tenant: str) -> str:
        """Produce a request signed by `tenant`'s producer; wait for what became of it:
        the status intake published, or `refused: <message>` from the dead letter."""
        body = jbytes(request_body(rid, tenant=tenant))
        topic = self.prefix + "push.requests.v1"
        await produce(self.kafka, topic, [(rid, body)], signer=producer_signer(tenant))

        def outcome() -> str | None:
            for letter in self.dlq.for_key(rid):
                return f"refused: {letter.json()['message']}"
            for status in self.status.for_key(rid):
                return str(status.json()["status"])
            return None

        return await eventually(outcome, what=f"what became of {rid}")

    def write(self, *producers: Producer, revoked: frozenset[str] = frozenset()) -> None:
        tmp = self.file.with_suffix(".tmp")  # as an operator's tool replaces it: whole
        tmp.write_text(producer_entries(*producers, revoked=revoked))
        tmp.replace(self.file)


@pytest.fixture
async def intake(kafka: str, database_url: str, tmp_path: Path) -> AsyncIterator[Running]:
    prefix = new_prefix()
    await create_topics(kafka, prefix)
    file = tmp_path / "producers.json"
    file.write_text(producer_entries(ACME, GLOBEX))
    env = service_env(kafka, database_url, prefix, producers_file=str(file), producers_reload_s=0.2)
    status = await TopicWatcher(kafka, prefix + "push.status.v1").start()
    dlq = await TopicWatcher(kafka, prefix + "push.dlq.v1").start()
    try:
        async with running(create_app(IntakeSettings(**env))):
            yield Running(kafka, prefix, file, status, dlq)
    finally:
        await status.stop()
        await dlq.stop()


async def test_a_revoked_producer_is_refused_without_a_restart(intake: Running, uid: str) -> None:
    assert await intake.submit(f"{uid}-before", "acme") == "accepted"
    intake.write(ACME, GLOBEX, revoked=frozenset({ACME.id}))

    tries = iter(range(1000))

    async def refused() -> str | None:
        # each try is a new request: those before the file was re-read are accepted
        got = await intake.submit(f"{uid}-try-{next(tries)}", "acme")
        return got if got.startswith("refused") else None

    got = await eventually(refused, timeout=30, what="the revocation in force")
    assert got == "refused: unknown or revoked producer 'test-acme'"
    assert await intake.submit(f"{uid}-after", "acme") == got
    [letter] = intake.dlq.for_key(f"{uid}-after")
    assert letter.json()["error"] == "unauthorized"
    assert not intake.status.for_key(f"{uid}-after")  # nothing stored, nothing said
    assert await intake.submit(f"{uid}-other", "globex") == "accepted"  # others unaffected
