"""The strike ladder's service layer: re-assess standing after a strike, publish changes
(intake honours them), reinstate on an admin's word."""

from datetime import timedelta

import structlog

from herald.contracts import Topic
from herald.contracts.internal import Standing, StandingChanged
from herald.review.domain import escalate
from herald.review.metrics import ReviewMetrics
from herald.review.policy import StrikePolicy
from herald.review.ports import StandingRepository
from herald.runtime.clock import Clock
from herald.runtime.events import EventBus

log = structlog.get_logger(__name__)
KINDS = ("requester", "department")


class Violations:
    # deliberate declaration: the service's dependencies, injected by main
    def __init__(
        self,
        repo: StandingRepository,
        events: EventBus,
        policy: StrikePolicy,
        metrics: ReviewMetrics,
        clock: Clock,
    ) -> None:
        self._repo, self._events, self._policy = repo, events, policy
        self._metrics, self._clock = metrics, clock

    async def standings(self, tenant: str, requester: str, department: str) -> tuple[Standing, ...]:
        return await self._repo.requester_and_department(tenant, requester, department)

    async def reassess(self, tenant: str, requester: str | None, department: str | None) -> None:
        """After a strike: move each subject up the ladder if its recent strikes say so."""
        now = self._clock()
        since = now - timedelta(days=self._policy.window_days)
        for kind, subject in zip(KINDS, (requester, department), strict=True):
            if not subject:
                continue
            ladder = self._policy.requester if kind == "requester" else self._policy.department
            current = await self._repo.current(tenant, kind, subject)
            strikes = await self._repo.strikes(tenant, kind, subject, since)
            new = escalate(current, strikes, ladder)
            if new != current and await self._repo.change(tenant, kind, subject, new, now):
                log.info(
                    "standing_changed",
                    tenant=tenant,
                    kind=kind,
                    subject=subject,
                    standing=str(new),
                    strikes=strikes,
                )
        await self.publish_pending()

    async def reinstate(self, tenant: str, kind: str, subject: str, by: str) -> None:
        await self._repo.reinstate(tenant, kind, subject, by, self._clock())
        log.info("standing_reinstated", tenant=tenant, kind=kind, subject=subject, by=by)
        await self.publish_pending()

    async def listing(self, tenant: str) -> list[StandingChanged]:
        return await self._repo.listing(tenant)

    async def publish_pending(self) -> None:
        changes = await self._repo.unpublished()
        if not changes:
            return
        items = [(f"{c.tenant}:{c.subject_kind}:{c.subject}", c) for c in changes]
        await self._events.publish_many(Topic.STANDING, items)
        await self._repo.mark_published(changes)
        for c in changes:
            self._metrics.standing_changes.labels(c.subject_kind, str(c.standing)).inc()
