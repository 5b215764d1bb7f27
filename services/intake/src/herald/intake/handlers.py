"""Intake's Kafka entrypoints: requests in, and the status and standing it mirrors."""

from collections.abc import Awaitable, Callable, Sequence
from typing import Protocol, TypeVar

from faststream.kafka import KafkaRouter

from herald.contracts import ID_PATTERN_RE, ReasonCode, Status, Topic
from herald.contracts.internal import StandingChanged
from herald.contracts.template_review import TemplateReviewed
from herald.intake.domain import Invalid, Limits, Verdict
from herald.intake.metrics import IntakeMetrics
from herald.intake.ports import RequestRepository
from herald.intake.producers import refusal, refusal_status_tenant, submitter
from herald.intake.submission import Intake
from herald.intake.templates.resolving import Resolver, parse_submission
from herald.intake.templates.service import Templates
from herald.runtime.consumer import Received, raw_value
from herald.runtime.dlq import DeadLetters
from herald.runtime.subscriptions import Consumers
from herald.runtime.tracing import bind_trace, new_trace_id

T = TypeVar("T")


class RequestHandler:
    """One request at a time, each under its own trace id (given, or new)."""

    # deliberate declaration: the dependencies main injects, one named parameter each
    def __init__(
        self,
        intake: Intake,
        dlq: DeadLetters,
        metrics: IntakeMetrics,
        limits: Callable[[], Limits],
        templates: Resolver | None = None,
    ) -> None:
        self._intake, self._dlq, self._metrics, self._limits = intake, dlq, metrics, limits
        self._templates = templates

    async def __call__(self, items: Sequence[Received[bytes]]) -> None:
        for item in items:
            trace_id = item.trace_id or new_trace_id()
            bind_trace(trace_id)
            with self._metrics.latency.time():
                await self._one(item, trace_id)
        bind_trace(None)

    async def _one(self, item: Received[bytes], trace_id: str) -> None:
        self._metrics.size.observe(len(item.value))
        # a named template is resolved for the producer's own tenant only
        tenant = item.producer.tenant
        parsed = await parse_submission(item.value, self._limits(), self._templates, tenant)
        why = refusal(parsed.tenant, item.producer)
        if why is not None:
            await self._unauthorized(item, parsed.request_id, why, trace_id)
            return
        if isinstance(parsed, Invalid):
            await self._invalid(item, parsed, trace_id)
            return
        r = item.record
        source = f"{r.topic}:{r.partition}:{r.offset}"
        by = submitter(item.producer)
        result = await self._intake.submit(parsed, by, source, trace_id)
        if result.verdict == Verdict.CONFLICT:
            await self._dlq.send(
                item.record,
                ReasonCode.DUPLICATE,
                f"request_id {parsed.request_id} was submitted before with a different body",
            )

    async def _unauthorized(
        self, item: Received[bytes], request_id: str | None, why: str, trace_id: str
    ) -> None:
        """Dead-lettered, and told to the producer's own tenant (producers.py says why)."""
        tenant = refusal_status_tenant(item.producer)
        self._metrics.received.labels("kafka", self._metrics.tenant(tenant), "unauthorized").inc()
        await self._dlq.send(item.record, ReasonCode.UNAUTHORIZED, why)
        if request_id and tenant and ID_PATTERN_RE.match(request_id):
            await self._intake.reject(request_id, tenant, ReasonCode.UNAUTHORIZED, why, trace_id)

    async def _invalid(self, item: Received[bytes], parsed: Invalid, trace_id: str) -> None:
        self._metrics.invalid.labels(ReasonCode.INVALID_REQUEST).inc()
        label = self._metrics.tenant(parsed.tenant)
        self._metrics.received.labels("kafka", label, "invalid").inc()
        await self._dlq.send(item.record, ReasonCode.INVALID_REQUEST, parsed.message)
        rid, tenant = parsed.request_id, parsed.tenant
        if rid and tenant and ID_PATTERN_RE.match(rid) and ID_PATTERN_RE.match(tenant):
            await self._intake.reject(
                rid, tenant, ReasonCode.INVALID_REQUEST, parsed.message, trace_id
            )


class Callbacks(Protocol):
    """Status callbacks' outbox: what is mirrored is then queued for the subscribers."""

    async def statuses(self, statuses: Sequence[Status]) -> None: ...

    async def standing(self, changes: Sequence[StandingChanged]) -> None: ...


def _then(
    first: Callable[[list[T]], Awaitable[object]],
    then: Callable[[list[T]], Awaitable[object]] | None,
) -> Callable[[list[T]], Awaitable[object]]:
    """Mirror first, then queue callbacks: a crash between redelivers the batch to both
    (each is idempotent)."""
    if then is None:
        return first

    async def both(items: list[T]) -> None:
        await first(items)
        await then(items)

    return both


# deliberate declaration: the router's dependencies, one named parameter each
def build_router(
    consumers: Consumers,
    on_request: RequestHandler,
    repo: RequestRepository,
    callbacks: Callbacks | None = None,
    templates: Templates | None = None,
) -> KafkaRouter:
    c, cb = consumers, callbacks
    if templates is not None:
        group = "herald-intake-templates"
        c.add_values(Topic.TEMPLATE_REVIEWED, group, TemplateReviewed, templates.reviewed)
    c.add(Topic.REQUESTS, "herald-intake", raw_value, on_request, max_records=100)
    statuses = _then(repo.apply_statuses, cb.statuses if cb else None)
    c.add_values(Topic.STATUS, "herald-intake-status", Status, statuses)
    standing = _then(repo.set_standing, cb.standing if cb else None)
    c.add_values(Topic.STANDING, "herald-intake-standing", StandingChanged, standing)
    return c.router
