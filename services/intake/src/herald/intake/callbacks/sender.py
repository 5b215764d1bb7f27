"""The sender: one round of the callbacks loop (`herald.runtime.loops.every`).

Each round fails what is past its deadline, claims what is due (at most
`CALLBACKS_CONCURRENCY` per subscription in flight, never a request's later status
before its earlier one is done), POSTs each, signed, and records the attempt: a 2xx is
delivered; anything else is tried again after a backoff with jitter, or failed when the
next try would be past the deadline. Consecutive failures disable a subscription.
Claims are leases: a replica that dies mid-POST leaves the delivery to be taken again
when the lease ends (at least once; receivers drop repeats by `Herald-Event-Id`).
"""

import asyncio
from dataclasses import dataclass
from datetime import timedelta

import structlog

from herald.intake.callbacks import signing
from herald.intake.callbacks.metrics import CallbackMetrics
from herald.intake.callbacks.ports import Answer, Claimed, Outbox, Poster, Tried
from herald.intake.callbacks.retrying import Backoff, next_try
from herald.runtime.clock import Clock

log = structlog.get_logger(__name__)
USER_AGENT = "Herald-Callbacks/1"


# deliberate declaration: the sender's settings, one field each
@dataclass(frozen=True, slots=True)
class SendPolicy:
    backoff: Backoff
    lease: timedelta
    per_subscription: int
    batch: int
    disable_after: int


def headers_for(claimed: Claimed, timestamp: int, secrets: list[str]) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "herald-event-id": claimed.event_id,
        signing.HEADER.lower(): signing.signature(secrets, timestamp, claimed.body),
    }


class Sender:
    # deliberate declaration: the dependencies main injects, one named parameter each
    def __init__(
        self,
        outbox: Outbox,
        poster: Poster,
        policy: SendPolicy,
        clock: Clock,
        metrics: CallbackMetrics,
    ) -> None:
        self._outbox, self._poster, self._policy = outbox, poster, policy
        self._clock, self._metrics = clock, metrics

    async def round(self) -> int:
        """One round; how many deliveries it tried."""
        now = self._clock()
        expired = await self._outbox.expire(now)
        if expired:
            self._metrics.finished.labels("failed").inc(expired)
            log.warning("callbacks_given_up", deliveries=expired, why="past their deadline")
        p = self._policy
        claimed = await self._outbox.claim(now, now + p.lease, p.per_subscription, p.batch)
        await asyncio.gather(*(self._one(c) for c in claimed))
        return len(claimed)

    async def _one(self, claimed: Claimed) -> None:
        now = self._clock()
        secrets = claimed.subscription.secrets(now)
        headers = headers_for(claimed, int(now.timestamp()), secrets)
        answer = await self._poster.post(claimed.subscription.url, claimed.body, headers)
        self._count(answer)
        at = self._clock()
        failures = claimed.failures + 1
        backoff = self._policy.backoff
        later = None if answer.ok else next_try(backoff, failures, at, claimed.expires_at)
        tried = Tried(claimed, answer, at, later)
        disabled = await self._outbox.record(tried, self._policy.disable_after)
        self._finish(tried, disabled)

    def _count(self, answer: Answer) -> None:
        self._metrics.latency.observe(answer.latency_ms / 1000)
        refused = answer.status_code is None and (answer.error or "").startswith("refused")
        outcome = "delivered" if answer.ok else "refused" if refused else "failed"
        self._metrics.attempts.labels(outcome).inc()

    def _finish(self, tried: Tried, disabled: bool) -> None:
        c = tried.claimed
        if tried.answer.ok:
            self._metrics.finished.labels("delivered").inc()
        elif tried.next_at is None:
            self._metrics.finished.labels("failed").inc()
            log.warning("callback_given_up", delivery_id=c.delivery_id, error=tried.answer.error)
        if disabled:
            self._metrics.disabled.inc()
            log.warning(
                "callback_subscription_disabled",
                subscription_id=c.subscription.id,
                tenant=c.subscription.tenant,
                failures=self._policy.disable_after,
            )
