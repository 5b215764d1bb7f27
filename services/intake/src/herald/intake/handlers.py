"""Intake's Kafka entrypoints: requests in, and the status and standing it mirrors."""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaRouter

from herald.contracts import ID_PATTERN_RE, ReasonCode, Status, Topic
from herald.contracts.internal import StandingChanged
from herald.intake.domain import Invalid, Limits, parse_request
from herald.intake.metrics import IntakeMetrics
from herald.intake.repository import RequestRepository
from herald.intake.settings import IntakeSettings
from herald.intake.submission import Intake, Outcome
from herald.runtime.consumer import BatchConsumer, Received, model_decoder, subscribe
from herald.runtime.dlq import DeadLetters
from herald.runtime.health import Health
from herald.runtime.tracing import bind_trace, new_trace_id


def limits(settings: IntakeSettings, now: datetime) -> Limits:
    return Limits(
        settings.max_payload_bytes,
        settings.tenant_set,
        timedelta(seconds=settings.send_at_grace_s),
        now,
    )


def _raw(record: ConsumerRecord) -> bytes:
    return bytes(record.value or b"")


class RequestHandler:
    def __init__(
        self,
        intake: Intake,
        dlq: DeadLetters,
        settings: IntakeSettings,
        metrics: IntakeMetrics,
        clock: Callable[[], datetime],
    ) -> None:
        self._intake, self._dlq, self._settings = intake, dlq, settings
        self._metrics, self._clock = metrics, clock

    async def __call__(self, items: Sequence[Received[bytes]]) -> None:
        for item in items:
            trace_id = item.trace_id or new_trace_id()
            bind_trace(trace_id)
            with self._metrics.latency.time():
                await self._one(item, trace_id)
        bind_trace(None)

    async def _one(self, item: Received[bytes], trace_id: str) -> None:
        self._metrics.size.observe(len(item.value))
        parsed = parse_request(item.value, limits(self._settings, self._clock()))
        if isinstance(parsed, Invalid):
            await self._invalid(item, parsed, trace_id)
            return
        r = item.record
        source = f"{r.topic}:{r.partition}:{r.offset}"
        result = await self._intake.submit(parsed, "kafka", source, trace_id)
        if result.outcome == Outcome.CONFLICT:
            await self._dlq.send(
                item.record,
                ReasonCode.DUPLICATE,
                f"request_id {parsed.request_id} was submitted before with a different body",
            )

    async def _invalid(self, item: Received[bytes], parsed: Invalid, trace_id: str) -> None:
        self._metrics.invalid.labels(ReasonCode.INVALID_REQUEST).inc()
        label = self._intake.tenant_label(parsed.tenant)
        self._metrics.received.labels("kafka", label, "invalid").inc()
        await self._dlq.send(item.record, ReasonCode.INVALID_REQUEST, parsed.message)
        rid, tenant = parsed.request_id, parsed.tenant
        if rid and tenant and ID_PATTERN_RE.match(rid) and ID_PATTERN_RE.match(tenant):
            await self._intake.reject_invalid(rid, tenant, parsed.message, trace_id)


def build_router(
    intake: Intake,
    repo: RequestRepository,
    dlq: DeadLetters,
    health: Health,
    settings: IntakeSettings,
    metrics: IntakeMetrics,
    clock: Callable[[], datetime],
) -> KafkaRouter:
    router = KafkaRouter()
    on_request = RequestHandler(intake, dlq, settings, metrics, clock)

    async def on_status(items: Sequence[Received[Status]]) -> None:
        await repo.apply_statuses([i.value for i in items])

    async def on_standing(items: Sequence[Received[StandingChanged]]) -> None:
        await repo.set_standing([i.value for i in items])

    subscribe(
        router,
        Topic.REQUESTS,
        BatchConsumer("requests", _raw, on_request, dlq, health),
        group_id="herald-intake",
        settings=settings,
        max_records=100,
    )
    subscribe(
        router,
        Topic.STATUS,
        BatchConsumer("status", model_decoder(Status), on_status, dlq, health),
        group_id="herald-intake-status",
        settings=settings,
    )
    subscribe(
        router,
        Topic.STANDING,
        BatchConsumer("standing", model_decoder(StandingChanged), on_standing, dlq, health),
        group_id="herald-intake-standing",
        settings=settings,
    )
    return router
