"""Review's Kafka entrypoints: accepted requests, cancels and template versions."""

from faststream.kafka import KafkaRouter

from herald.contracts import Topic
from herald.contracts.critical import urgency
from herald.contracts.internal import CancelRequested, RequestEnvelope
from herald.contracts.template_review import TemplateReviewRequested
from herald.review.domain import submitter_of
from herald.review.reviewing import Reviewer
from herald.review.templates.reviewing import TemplateReviewer
from herald.runtime.keyed import each_by_key
from herald.runtime.subscriptions import Consumers
from herald.runtime.tracing import bind_trace

_REVIEWS_AT_ONCE = 4
"""Departments of one fetched batch reviewed concurrently (herald.runtime.keyed): a review
is mostly waits (its rows, two acknowledged publishes), so one at a time capped the
consumer's rate at one over that wall time on a loaded machine."""


def _strike_key(envelope: RequestEnvelope) -> tuple[str, str]:
    """Requests whose rejections strike the same ladder are reviewed one after another:
    a strike ladder re-assessed by two reviews at once counts both strikes in each (the
    `warned` step is skipped, `restricted` published twice). The requester's and the
    department's ladders both follow the submitter's department, and a request's own
    records share it, so they stay in order."""
    submitter = submitter_of(envelope)
    return envelope.request.tenant, submitter.department


def _urgency(envelope: RequestEnvelope) -> tuple[int, int]:
    return urgency(envelope.request.category, envelope.request.priority)


def build_router(
    consumers: Consumers, reviewer: Reviewer, templates: TemplateReviewer | None = None
) -> KafkaRouter:
    async def on_accepted(envelopes: list[RequestEnvelope]) -> None:
        """Critical requests of a fetched batch started first (alerts and one-time codes
        do not wait for the marketing requests fetched with them), arrival order
        otherwise; a few at once, one request's records in order."""
        await each_by_key(
            sorted(envelopes, key=_urgency), _strike_key, review, limit=_REVIEWS_AT_ONCE
        )

    async def review(envelope: RequestEnvelope) -> None:
        bind_trace(envelope.trace_id)  # this item's task's own context
        await reviewer.review(envelope)

    async def on_cancels(events: list[CancelRequested]) -> None:
        for event in events:
            await reviewer.cancel(event)

    c = consumers
    c.add_values(Topic.ACCEPTED, "herald-review", RequestEnvelope, on_accepted, max_records=100)
    c.add_values(Topic.CANCELS, "herald-review-cancels", CancelRequested, on_cancels)
    if templates is not None:
        group, model = "herald-review-templates", TemplateReviewRequested
        c.add_values(Topic.TEMPLATE_REVIEWS, group, model, templates.review_all)
    return c.router
