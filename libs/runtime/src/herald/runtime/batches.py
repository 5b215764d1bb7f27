"""The internal topics' records, one or many recipients each: decoding and unpacking.

push.sends.v1 carries a `Send` (one recipient) or a `SendBatch` (one request's sends:
what they share rides once, each recipient's part is a `BatchedSend`); push.outcomes.v1
carries an `Outcome` or an `OutcomeBatch`. Every consumer accepts both shapes on the same
topic (a rolling upgrade mixes them; tests produce single records) through `SENDS` and
`OUTCOMES` here, the one place that tells them apart.

A record is decoded once and validated once, at the edge; a batch is then expanded into
the per-recipient models the services take, built from the validated parts (as
`model_construct` would, without its cost; no second validation per recipient).

A batch that does not validate is looked at item by item: when its shared part is valid,
its valid items are processed and each bad item goes to push.dlq.v1 on its own
(`invalid_batch_item`, its value the item merged with the shared part: a single record
of the topic, which can be replayed as such). When the shared part itself is bad, or the
record is no JSON object, the whole record is dead-lettered (`invalid_batch`).
"""

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiokafka.structs import ConsumerRecord
from pydantic import BaseModel, ValidationError

from herald.contracts import ReasonCode, describe_validation_error

# deliberate declaration: the batch shapes decoded here (packing.py imports the same to
# encode them)
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
from herald.contracts.trusted import trusted_builder
from herald.runtime.consumer import Rejected, RejectedPart

M = TypeVar("M", bound=BaseModel)
B = TypeVar("B", bound=BaseModel)

INVALID_BATCH = "invalid_batch"
"""Dead-letter error of a batched record whose shared part (or shape) is invalid."""
INVALID_BATCH_ITEM = "invalid_batch_item"
"""Dead-letter error of one item of a batched record (the rest were processed)."""


@dataclass(frozen=True, slots=True)
class Unpacked(Generic[M]):
    """A decoded record of an internal topic: its items, and the items refused."""

    tenant: str
    """The tenant the record speaks for (checked against its producer, like any value)."""
    items: tuple[M, ...]
    rejected: tuple[RejectedPart, ...] = ()


def _problem(exc: ValidationError) -> str:
    return "; ".join(map(str, describe_validation_error(exc)))


@dataclass(frozen=True, slots=True)
class Unpacker(Generic[M, B]):
    """Decodes one internal topic's records: a single `one` or a batch `batch` whose
    `items` field lists `item` models, expanded by `expand`."""

    one: type[M]
    batch: type[B]
    item: type[BaseModel]
    items: str
    expand: Callable[[B], tuple[M, ...]]
    item_key: str = "delivery_id"

    def __call__(self, record: ConsumerRecord) -> Unpacked[M]:
        raw = record.value
        if raw is None:
            raise Rejected(ReasonCode.INVALID_REQUEST, "empty message (null value)")
        head = bytes(raw[:24]).lstrip()
        if head.startswith(b'{"batch_id"'):
            return self._batch(raw)
        if head.startswith(b'{"' + self.item_key.encode() + b'"'):
            return self._one(self.one.model_validate_json(raw))
        # not in the field order Herald writes: look at the keys (a hand-made record)
        data = json.loads(raw)
        if isinstance(data, dict) and self.items in data:
            return self._batch(raw)
        return self._one(self.one.model_validate(data))

    def only(self, wanted: Callable[[str], bool]) -> Callable[[ConsumerRecord], Unpacked[M]]:
        """This decoder for a consumer that uses some tenants' items only: a batch record
        of any other tenant is decoded as far as its shared part (so the consumer still
        checks that its producer may speak for the tenant) and handed on with no items,
        its items neither validated nor built; a bad item in it is then left to the
        consumers that read it (tracker dead-letters it). Records of any other shape are
        decoded in full. Issue 17: the scheduler's cap recount reads push.outcomes.v1,
        where nearly every outcome is of a tenant without per-channel caps."""

        def decode(record: ConsumerRecord) -> Unpacked[M]:
            head = self._head(record.value)
            if head is not None:
                tenant = str(getattr(head, "tenant", ""))
                if not wanted(tenant):
                    return Unpacked(tenant, ())
            return self(record)

        return decode

    def _head(self, raw: bytes | None) -> B | None:
        """A batch record's shared part, validated, when it is laid out as Herald writes it
        (herald.runtime.packing: the items last); None otherwise. The first `,"<items>":[`
        is the items field's: the shared fields are strings, in which a quote is escaped."""
        if raw is None or not bytes(raw[:24]).lstrip().startswith(b'{"batch_id"'):
            return None
        field = b',"' + self.items.encode() + b'":['
        at = raw.find(field)
        if at < 0:
            return None
        try:
            return self.batch.model_validate_json(bytes(raw[:at]) + field + b"]}")
        except ValidationError:
            return None

    def _one(self, value: M) -> Unpacked[M]:
        return Unpacked(str(getattr(value, "tenant", "")), (value,))

    def _batch(self, raw: bytes) -> Unpacked[M]:
        try:
            batch = self.batch.model_validate_json(raw)
        except ValidationError:
            return self._salvage(raw)
        return Unpacked(str(getattr(batch, "tenant", "")), self.expand(batch))

    def _salvage(self, raw: bytes) -> Unpacked[M]:
        """The valid items of a batch that did not validate as a whole; each bad one
        refused on its own (see the module's doc)."""
        name = self.batch.__name__
        try:
            data = json.loads(raw)
        except ValueError as exc:
            raise Rejected(INVALID_BATCH, f"{name}: not valid JSON: {exc}") from exc
        parts = data.get(self.items) if isinstance(data, dict) else None
        if not isinstance(parts, list):
            raise Rejected(INVALID_BATCH, f"{name}: `{self.items}` must be a list")
        shared = {k: v for k, v in data.items() if k != self.items}
        try:
            envelope = self.batch.model_validate({**shared, self.items: ()})
        except ValidationError as exc:
            raise Rejected(INVALID_BATCH, f"{name}: {_problem(exc)}") from exc
        good: list[Any] = []
        refused: list[RejectedPart] = []
        for part in parts:
            try:
                good.append(self.item.model_validate(part))
            except ValidationError as exc:
                refused.append(self._refuse(shared, part, exc))
        expanded = self.expand(envelope.model_copy(update={self.items: tuple(good)}))
        return Unpacked(str(getattr(envelope, "tenant", "")), expanded, tuple(refused))

    def _refuse(
        self, shared: Mapping[str, Any], part: object, exc: ValidationError
    ) -> RejectedPart:
        merged = {k: v for k, v in shared.items() if k != "batch_id"}
        key = None
        if isinstance(part, dict):
            merged.update(part)
            found = part.get(self.item_key)
            key = found if isinstance(found, str) else None
        else:
            merged["item"] = part
        message = f"{self.batch.__name__} {shared.get('batch_id')}: {_problem(exc)}"
        return RejectedPart(key, json.dumps(merged).encode(), INVALID_BATCH_ITEM, message)


_send = trusted_builder(Send)
_outcome = trusted_builder(Outcome)


def sends_of(batch: SendBatch) -> tuple[Send, ...]:
    """A batch's sends, each built from the validated parts (no second validation)."""
    shared = {f: getattr(batch, f) for f in SEND_SHARED}
    return tuple(_send({**shared, **s.__dict__}) for s in batch.sends)


def outcomes_of(batch: OutcomeBatch) -> tuple[Outcome, ...]:
    """A batch's outcomes, each built from the validated parts (no second validation)."""
    shared = {f: getattr(batch, f) for f in OUTCOME_SHARED}
    return tuple(_outcome({**shared, **o.__dict__}) for o in batch.outcomes)


SENDS: Unpacker[Send, SendBatch] = Unpacker(Send, SendBatch, BatchedSend, "sends", sends_of)
"""The decoder of push.sends.v1: a Send or a SendBatch."""
OUTCOMES: Unpacker[Outcome, OutcomeBatch] = Unpacker(
    Outcome, OutcomeBatch, BatchedOutcome, "outcomes", outcomes_of
)
"""The decoder of push.outcomes.v1: an Outcome or an OutcomeBatch."""
