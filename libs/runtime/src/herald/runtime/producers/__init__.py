"""The producers file (`PRODUCERS_FILE`): upstream systems allowed to write Herald's topics.

JSON, `{"producers": [{"id", "tenant", "user", "department", "topics", "revoked"}]}`. It
holds no secret: a producer's secret is derived from the deployment's record key
(herald.runtime.provenance), and handed to the upstream team once when the credential is
issued (`python -m herald.runtime.producers issue`).

Every entry is checked (id, tenant, topics among the public upstream topics, a user and
department for a producer that submits requests, no id twice, never `herald`). The file
is re-read when its content changes (`every(PRODUCERS_RELOAD_S, file.refresh)`); a
change with a bad entry is refused as a whole: the last good set stays in force and an
error names the entry and what is wrong with it, so a typo never revokes everyone.
"""

import asyncio
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path

import structlog
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from herald.contracts import Id, Topic, describe_validation_error
from herald.runtime.provenance import HERALD, UPSTREAM_TOPICS, Producer, ProducerDirectory

log = structlog.get_logger(__name__)
Name = Field(default=None, min_length=1, max_length=128)


class ProducersFileError(ValueError):
    """The producers file cannot be used; the message says where and why."""


class ProducerEntry(BaseModel):
    """One entry of the producers file."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Id
    tenant: Id
    user: str | None = Name
    department: str | None = Name
    topics: tuple[str, ...] = Field(min_length=1)
    revoked: bool = False

    @field_validator("id")
    @classmethod
    def _not_herald(cls, value: str) -> str:
        if value == HERALD:
            raise ValueError("'herald' is the id of Herald's own services")
        return value

    @field_validator("topics")
    @classmethod
    def _upstream_topics(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        for topic in value:
            if topic not in UPSTREAM_TOPICS:
                allowed = ", ".join(sorted(UPSTREAM_TOPICS))
                raise ValueError(f"{topic!r} is not a topic producers write (only {allowed})")
        return value

    def producer(self) -> Producer:
        if Topic.REQUESTS in self.topics and not (self.user and self.department):
            raise ValueError("a producer of push.requests.v1 needs a user and a department")
        return Producer(self.id, self.tenant, self.user, self.department, frozenset(self.topics))


def parse_producers(raw: bytes) -> list[ProducerEntry]:
    """Every entry, checked; ProducersFileError names the first bad one."""
    try:
        data = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise ProducersFileError(f"not valid JSON: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("producers"), list):
        raise ProducersFileError('expected {"producers": [ ... ]}')
    entries: list[ProducerEntry] = []
    for n, item in enumerate(data["producers"], start=1):
        name = f"entry {n}" + (f" (id {item.get('id')!r})" if isinstance(item, dict) else "")
        try:
            entry = ProducerEntry.model_validate(item)
            entry.producer()
        except ValidationError as exc:
            problems = "; ".join(map(str, describe_validation_error(exc)))
            raise ProducersFileError(f"{name}: {problems}") from exc
        except ValueError as exc:
            raise ProducersFileError(f"{name}: {exc}") from exc
        if any(e.id == entry.id for e in entries):
            raise ProducersFileError(f"{name}: the id is listed twice")
        entries.append(entry)
    return entries


def active(entries: Sequence[ProducerEntry]) -> list[Producer]:
    return [e.producer() for e in entries if not e.revoked]


class ProducersFile:
    """Keeps a ProducerDirectory in step with the file's content."""

    def __init__(self, path: str | None, directory: ProducerDirectory) -> None:
        self._path = Path(path) if path else None
        self.directory = directory
        self._digest: str | None = None

    def load(self) -> None:
        """At start-up: a missing or bad file stops the service (there is no good set yet)."""
        if self._path is None:
            return
        try:
            raw = self._path.read_bytes()
        except OSError as exc:
            raise ProducersFileError(f"PRODUCERS_FILE {self._path}: {exc.strerror}") from exc
        self._apply(raw, parse_producers(raw))

    async def refresh(self) -> bool:
        """Take a changed file's content in; True if the producers changed."""
        if self._path is None:
            return False
        try:
            raw = await asyncio.to_thread(self._path.read_bytes)
        except OSError as exc:
            problem = f"unreadable: {exc.strerror}"
        else:
            digest = hashlib.sha256(raw).hexdigest()
            if digest == self._digest:
                return False
            self._digest = digest  # a bad content is reported once, not every round
            try:
                self._apply(raw, parse_producers(raw))
            except ProducersFileError as exc:
                problem = str(exc)
            else:
                return True
        log.error("producers_file_invalid", path=str(self._path), error=problem, kept="last")
        return False

    def _apply(self, raw: bytes, entries: Sequence[ProducerEntry]) -> None:
        producers = active(entries)
        self.directory.replace(producers)
        self._digest = hashlib.sha256(raw).hexdigest()
        revoked = sorted(e.id for e in entries if e.revoked)
        log.info("producers_loaded", active=sorted(p.id for p in producers), revoked=revoked)
