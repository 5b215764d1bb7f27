"""Review's Kafka entrypoints: accepted requests, cancels and template versions."""

from collections.abc import Awaitable, Callable, Hashable

from faststream.kafka import KafkaRouter

from herald.contracts import Topic
from herald.contracts.critical import is_critical, urgency
from herald.contracts.internal import CancelRequested, RequestEnvelope
from herald.contracts.template_review import TemplateReviewRequested
from herald.review.domain import submitter_of
from herald.review.reviewing import Reviewer
from herald.review.templates.reviewing import TemplateReviewer
from herald.runtime.keyed import each_by_key
from herald.runtime.subscriptions import Consumers

_REVIEWS_AT_ONCE = 4
"""Requests of one fetched batch reviewed concurrently (herald.runtime.keyed): a review
is mostly waits (its rows, two acknowledged publishes), so one at a time capped the
consumer's rate at one over that wall time on a loaded machine."""


def _linked_by_standing(envelopes: list[RequestEnvelope]) -> Callable[[RequestEnvelope], Hashable]:
    """A key shared by every request linked to another by its requester or department:
    a review reads their standing and a rejection's strikes change it, so their reviews
    run one after another, in order, as they always did; unrelated ones may overlap."""
    parent: dict[Hashable, Hashable] = {}

    def root(x: Hashable) -> Hashable:
        while (up := parent.setdefault(x, x)) != x:
            parent[x] = parent.setdefault(up, up)
            x = up
        return x

    def subjects(e: RequestEnvelope) -> tuple[Hashable, Hashable]:
        who, tenant = submitter_of(e), e.request.tenant
        return ("requester", tenant, who.user), ("department", tenant, who.department)

    for e in envelopes:
        requester, department = subjects(e)
        parent[root(requester)] = root(department)
    return lambda e: root(subjects(e)[0])


def _urgency(envelope: RequestEnvelope) -> tuple[int, int]:
    return urgency(envelope.request.category, envelope.request.priority)


def _critical(envelope: RequestEnvelope) -> bool:
    return is_critical(envelope.request.category, envelope.request.priority)


def build_router(
    consumers: Consumers, reviewer: Reviewer, templates: TemplateReviewer | None = None
) -> KafkaRouter:
    def reviewing(critical: bool) -> Callable[[list[RequestEnvelope]], Awaitable[None]]:
        """Judges the accepted requests of one lane and skips the others' (another group
        judges them): a critical request is never fetched behind a batch of bulk ones."""

        async def on_accepted(envelopes: list[RequestEnvelope]) -> None:
            """Most urgent first (priority within the lane), arrival order otherwise; a
            few at once, those a standing links as `review_linked` says."""
            mine = [e for e in envelopes if _critical(e) == critical]
            ordered = sorted(mine, key=_urgency)
            key = _linked_by_standing(ordered)
            linked: dict[Hashable, list[RequestEnvelope]] = {}
            for e in ordered:
                linked.setdefault(key(e), []).append(e)
            await each_by_key(list(linked.values()), id, review, limit=_REVIEWS_AT_ONCE)

        return on_accepted

    async def review(group: list[RequestEnvelope]) -> None:
        await reviewer.review_linked(group, _REVIEWS_AT_ONCE)

    async def on_cancels(events: list[CancelRequested]) -> None:
        for event in events:
            await reviewer.cancel(event)

    c, accepted, envelope = consumers, Topic.ACCEPTED, RequestEnvelope
    c.add_values(accepted, "herald-review", envelope, reviewing(False), max_records=100)
    # its own group: what neither can take, `herald-review` dead-letters; its work is
    # critical (herald.runtime.lane: the pool's reserve; docs/critical-lane.md)
    c.add_values(
        accepted,
        "herald-review-critical",
        envelope,
        reviewing(True),
        max_records=100,
        dead_letters=False,
        critical=True,
    )
    c.add_values(Topic.CANCELS, "herald-review-cancels", CancelRequested, on_cancels)
    if templates is not None:
        group, model = "herald-review-templates", TemplateReviewRequested
        c.add_values(Topic.TEMPLATE_REVIEWS, group, model, templates.review_all)
    return c.router
