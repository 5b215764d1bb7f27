"""The dead-letter helper: a message that cannot be processed goes to push.dlq.v1."""

import base64
from datetime import UTC, datetime

import structlog
from aiokafka.structs import ConsumerRecord
from prometheus_client import CollectorRegistry

from herald.contracts import DeadLetter, ReasonCode, Topic
from herald.runtime.events import EventBus
from herald.runtime.metrics import Metrics

log = structlog.get_logger(__name__)


class DeadLetters:
    def __init__(self, events: EventBus, service: str, registry: CollectorRegistry) -> None:
        self._events = events
        self._service = service
        self._count = Metrics(registry, "herald").counter(
            "dead_letters",
            "Messages sent to push.dlq.v1, by source topic and error.",
            "source_topic",
            "error",
        )

    @property
    def service(self) -> str:
        return self._service

    def letter(self, record: ConsumerRecord, error: ReasonCode | str, message: str) -> DeadLetter:
        """The letter `send` would publish."""
        key = record.key.decode("utf-8", "replace") if record.key is not None else None
        return DeadLetter(
            source_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            key=key,
            value_base64=base64.b64encode(record.value).decode() if record.value else None,
            headers={k: base64.b64encode(bytes(v)).decode() for k, v in record.headers or ()},
            error=str(error),
            message=message[:2000],
            service=self._service,
            at=datetime.now(UTC),
        )

    async def send(
        self, record: ConsumerRecord, error: ReasonCode | str, message: str
    ) -> DeadLetter:
        letter = self.letter(record, error, message)
        await self._events.publish(Topic.DLQ, letter.key or "", letter)
        self._count.labels(record.topic, str(error)).inc()
        log.warning(
            "dead_lettered",
            source_topic=record.topic,
            partition=record.partition,
            offset=record.offset,
            error=str(error),
            reason=message[:300],
        )
        return letter


class DeadLettersElsewhere(DeadLetters):
    """For a second consumer group of a topic in one service: the first group dead-letters
    what neither can take, so this one only logs it (one letter per record, not two)."""

    def __init__(self, service: str) -> None:  # publishes nothing, counts nothing
        self._service = service

    async def send(
        self, record: ConsumerRecord, error: ReasonCode | str, message: str
    ) -> DeadLetter:
        log.info(
            "not_taken_dead_lettered_by_the_other_group",
            source_topic=record.topic,
            offset=record.offset,
            error=str(error),
        )
        return self.letter(record, error, message)
