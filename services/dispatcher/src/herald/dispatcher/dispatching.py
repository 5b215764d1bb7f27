"""Dispatching a batch of sends: claim, deliver concurrently, record, report outcomes."""

import asyncio
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime

import structlog

from herald.contracts import Channel, ReasonCode, Topic
from herald.contracts.internal import Outcome, OutcomeKind, Send
from herald.dispatcher.ledger import Ledger
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.providers.base import Attempt, Provider, Result
from herald.dispatcher.rendering import render
from herald.runtime.events import EventBus

log = structlog.get_logger(__name__)

_KIND = {Result.SENT: OutcomeKind.SENT, Result.DELIVERED: OutcomeKind.DELIVERED}


class Dispatcher:
    def __init__(
        self,
        ledger: Ledger,
        providers: Mapping[Channel, Provider],
        events: EventBus,
        metrics: DispatcherMetrics,
        clock: Callable[[], datetime],
        max_in_flight: int,
    ) -> None:
        self._ledger, self._providers, self._events = ledger, providers, events
        self._metrics, self._clock = metrics, clock
        self._slots = asyncio.Semaphore(max_in_flight)

    async def dispatch(self, sends: Sequence[Send]) -> None:
        unique = list({s.delivery_id: s for s in sends}.values())
        recorded = await self._ledger.claim(unique)
        done = [o for o in recorded.values() if o is not None]
        self._metrics.repeats.inc(len(done))
        todo = [s for s in unique if recorded.get(s.delivery_id) is None]
        fresh = list(await asyncio.gather(*(self._deliver(s) for s in todo)))
        await self._ledger.finish(fresh)
        outcomes = fresh + done
        await self._events.publish_many(Topic.OUTCOMES, [(o.delivery_id, o) for o in outcomes])

    async def _deliver(self, send: Send) -> Outcome:
        last: Attempt | None = None
        channel: Channel | None = None
        for channel in send.channels:
            provider = self._providers.get(channel)
            if provider is None:
                continue
            last = await self._call(provider, send, channel)
            if last.result in (Result.SENT, Result.DELIVERED):
                return self._outcome(send, channel, last, _KIND[last.result], None)
        if last is None:
            last = Attempt(Result.PERMANENT, "none", "no provider for any allowed channel")
        return self._outcome(send, channel, last, OutcomeKind.FAILED, ReasonCode.PROVIDER_FAILED)

    async def _call(self, provider: Provider, send: Send, channel: Channel) -> Attempt:
        async with self._slots:
            self._metrics.in_flight.inc()
            try:
                with self._metrics.latency.labels(provider.name).time():
                    attempt = await provider.send(render(send, channel))
            finally:
                self._metrics.in_flight.dec()
        self._metrics.sends.labels(channel, provider.name, attempt.result).inc()
        return attempt

    def _outcome(
        self,
        send: Send,
        channel: Channel | None,
        attempt: Attempt,
        kind: OutcomeKind,
        reason: ReasonCode | None,
    ) -> Outcome:
        return Outcome(
            delivery_id=send.delivery_id,
            request_id=send.request_id,
            tenant=send.tenant,
            department=send.department,
            recipient_id=send.recipient_id,
            outcome=kind,
            channel=channel,
            provider=attempt.provider,
            reason=reason,
            detail=attempt.detail,
            at=self._clock(),
            trace_id=send.trace_id,
        )
