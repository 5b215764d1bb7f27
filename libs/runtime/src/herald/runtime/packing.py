"""Packing sends and outcomes into the internal topics' batch records (the other half of
herald.runtime.batches).

One request's sends released together become SendBatch records: what they share
(content, labels, category ...) once, each recipient's part beside it. They are split
by shard, a stable hash of the recipient id (`internal_batch_shards`), and keyed
`<request_id>:<shard>`: a recipient's sends of a request always take the same key, so
their order holds, and one request's load spreads over the topic's partitions. Outcomes
are packed the same way per request, sharded by delivery id (a delivery's outcomes keep
their order). A record carries at most `internal_batch_max_items` recipients and
`internal_batch_max_bytes` bytes; larger groups are split.

Records are encoded here, once (their size is known only then): the bus sends the bytes.
"""

import functools
import hashlib
import operator
import zlib
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from pydantic import BaseModel, TypeAdapter

from herald.contracts import Topic
from herald.contracts.internal import (
    OUTCOME_SHARED,
    SEND_SHARED,
    BatchedOutcome,
    BatchedSend,
    Outcome,
    OutcomeBatch,
    Send,
    SendBatch,
)
from herald.runtime.lane import pause
from herald.runtime.settings import ServiceSettings

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Encoded:
    """A record encoded already (its size had to be known), with the trace id it carries,
    for the headers (herald.runtime.events sends the bytes as they are)."""

    raw: bytes
    trace_id: str = ""


Packed = tuple[str, Encoded]
"""(record key, encoded batch)."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_items: int = 500
    max_bytes: int = 900_000
    shards: int = 16

    @classmethod
    def of(cls, settings: ServiceSettings) -> "Limits":
        return cls(
            settings.internal_batch_max_items,
            settings.internal_batch_max_bytes,
            settings.internal_batch_shards,
        )


def shard_of(ident: str, shards: int) -> int:
    """A stable shard of an id (the same in every process and release)."""
    return zlib.crc32(ident.encode()) % shards


def batch_id(delivery_ids: Sequence[str]) -> str:
    """Unique per set of deliveries, and the same when the same set is published again."""
    digest = hashlib.blake2b("\n".join(delivery_ids).encode(), digest_size=12).hexdigest()
    return f"b-{digest}"


def _groups(
    items: Sequence[T], common: Callable[[T], Hashable], shard: Callable[[T], str], shards: int
) -> dict[tuple[Hashable, int], list[T]]:
    groups: dict[tuple[Hashable, int], list[T]] = {}
    for item in items:
        groups.setdefault((common(item), shard_of(shard(item), shards)), []).append(item)
    return groups


def _encode(items: list[T], build: Callable[[list[T]], bytes], limits: Limits) -> list[bytes]:
    """`items` as encoded batches within the limits: split in halves while too large (a
    single item too large still goes, alone)."""
    out: list[bytes] = []
    for start in range(0, len(items), limits.max_items):
        chunk = items[start : start + limits.max_items]
        pending = [chunk]
        while pending:
            part = pending.pop()
            raw = build(part)
            if len(raw) <= limits.max_bytes or len(part) == 1:
                out.append(raw)
            else:
                half = len(part) // 2
                pending += [part[half:], part[:half]]
    return out


# What a batch's sends share, as a key: content and labels are compared, not hashed (see
# pack_sends); the outcomes' is all they share
_send_common = operator.attrgetter(*(f for f in SEND_SHARED if f not in ("content", "labels")))
_outcome_common = operator.attrgetter(*OUTCOME_SHARED)


def pack_sends(sends: Sequence[Send], limits: Limits) -> list[Packed]:
    """Sends as SendBatch records (see the module's doc). Sends of one request normally
    share one content object; any that differ in content or labels get their own."""
    return [p for records in _send_records(sends, limits) for p in records]


def _send_records(sends: Sequence[Send], limits: Limits) -> Iterator[list[Packed]]:
    """`pack_sends`, a group (request, shard, content) at a time."""
    for (_common, shard), group in _groups(
        sends, _send_common, lambda s: s.recipient_id, limits.shards
    ).items():
        for same in _by_equal(group, lambda s: (s.content, s.labels)):
            first = same[0]
            key = f"{first.request_id}:{shard}"
            raws = _encode(same, functools.partial(_send_batch, first), limits)
            yield [(key, Encoded(raw, first.trace_id)) for raw in raws]


def _by_equal(items: list[T], part: Callable[[T], Any]) -> list[list[T]]:
    """`items` split into runs whose `part` is equal (usually one run, compared by
    identity first, so cheaply)."""
    runs: list[tuple[Any, list[T]]] = []
    for item in items:
        key = part(item)
        for seen, run in runs:
            if seen is key or seen == key:
                run.append(item)
                break
        else:
            runs.append((key, [item]))
    return [run for _key, run in runs]


def _spliced(head: BaseModel, items: bytes) -> bytes:
    """A batch's JSON: `head` (the batch with no items; its items field is its last) with
    the items, serialised in one call, put in."""
    raw = head.model_dump_json().encode()
    if not raw.endswith(b"[]}"):
        raise ValueError(f"{type(head).__name__}: its items must be its last field")
    return raw[:-3] + items + b"}"


# Each item serialised straight from the Send or Outcome (the fields it keeps in a batch):
# one call for all, no per-item model built
_SENDS = TypeAdapter(list[Send])
_SEND_PART = {"__all__": set(BatchedSend.model_fields)}
_OUTCOMES = TypeAdapter(list[Outcome])
_OUTCOME_PART = {"__all__": set(BatchedOutcome.model_fields)}


def _send_batch(first: Send, sends: list[Send]) -> bytes:
    head = SendBatch.model_construct(
        batch_id=batch_id([s.delivery_id for s in sends]),
        sends=(),
        **{f: getattr(first, f) for f in SEND_SHARED},
    )
    return _spliced(head, _SENDS.dump_json(sends, include=_SEND_PART))


def pack_outcomes(outcomes: Sequence[Outcome], limits: Limits) -> list[Packed]:
    """Outcomes as OutcomeBatch records (see the module's doc)."""
    return [p for records in _outcome_records(outcomes, limits) for p in records]


def _outcome_records(outcomes: Sequence[Outcome], limits: Limits) -> Iterator[list[Packed]]:
    """`pack_outcomes`, a group (request, shard) at a time."""
    for (_common, shard), group in _groups(
        outcomes, _outcome_common, lambda o: o.delivery_id, limits.shards
    ).items():
        first = group[0]
        key = f"{first.request_id}:{shard}"
        raws = _encode(group, functools.partial(_outcome_batch, first), limits)
        yield [(key, Encoded(raw, first.trace_id)) for raw in raws]


def _outcome_batch(first: Outcome, outcomes: list[Outcome]) -> bytes:
    head = OutcomeBatch.model_construct(
        batch_id=batch_id([o.delivery_id for o in outcomes]),
        outcomes=(),
        **{f: getattr(first, f) for f in OUTCOME_SHARED},
    )
    return _spliced(head, _OUTCOMES.dump_json(outcomes, include=_OUTCOME_PART))


def pack(topic: Topic, items: Sequence[Send] | Sequence[Outcome], limits: Limits) -> list[Packed]:
    """Sends for push.sends.v1 (or push.sends_critical.v1) or outcomes for
    push.outcomes.v1, packed."""
    return [p for records in _records(topic, items, limits) for p in records]


def _records(
    topic: Topic, items: Sequence[Send] | Sequence[Outcome], limits: Limits
) -> Iterator[list[Packed]]:
    if topic in (Topic.SENDS, Topic.SENDS_CRITICAL):
        return _send_records(cast(Sequence[Send], items), limits)
    if topic == Topic.OUTCOMES:
        return _outcome_records(cast(Sequence[Outcome], items), limits)
    raise ValueError(f"{topic} carries no batches")


async def pack_sliced(
    topic: Topic, items: Sequence[Send] | Sequence[Outcome], limits: Limits
) -> list[Packed]:
    """`pack`, pausing between groups (herald.runtime.lane): encoding a release's
    thousand sends does not hold the event loop all at once."""
    packed: list[Packed] = []
    for records in _records(topic, items, limits):
        packed += records
        await pause()
    return packed


class BatchPublishing:
    """`publish_batched` for an event bus (herald.runtime.events.EventBus), written once:
    the bus's `publish_many` sends what `pack` makes of the items within its `limits`.
    KafkaEventBus and the tests' fake bus both take it from here."""

    limits: Limits

    async def publish_many(
        self, topic: Topic, items: Sequence[Packed], headers: dict[str, str] | None = None
    ) -> None:
        raise NotImplementedError

    async def publish_batched(
        self,
        topic: Topic,
        items: Sequence[Send] | Sequence[Outcome],
        headers: dict[str, str] | None = None,
    ) -> None:
        """Sends on push.sends.v1 or outcomes on push.outcomes.v1, packed into batch
        records within the bus's limits; acknowledged on return."""
        await self.publish_many(topic, await pack_sliced(topic, items, self.limits), headers)
