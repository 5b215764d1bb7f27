"""One send's way through its routes: gate, breaker, provider call, retry or fail over.

Nothing here waits for a backoff: a send that has to wait comes back as `Later` with the
time it may run again and its progress, and the caller parks it in the retry table.

An open circuit (the provider's breaker, or the per-receiver circuit of a webhook) moves
a send on to its next allowed route; on its last one the send waits instead, parked
until the circuit half-opens or the push expires, with no attempt counted (issue 16).
"""

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import timedelta

import structlog

from herald.contracts import Channel, ReasonCode
from herald.contracts.internal import OutcomeKind, Send
from herald.dispatcher.bulk import Bulk, has_bulk_api
from herald.dispatcher.domain.final_check import FinalCheck
from herald.dispatcher.domain.links import TrackingLinks
from herald.dispatcher.domain.outcomes import Done, Later, Progress, outcome
from herald.dispatcher.domain.rendering import RenderError, Variants, render_tracked
from herald.dispatcher.domain.resilience import backoff
from herald.dispatcher.metrics import DispatcherMetrics
from herald.dispatcher.providers.base import Attempt, Blame, Message, Provider, Result
from herald.dispatcher.routing.registry import Registry, Route
from herald.runtime.clock import Clock

log = structlog.get_logger(__name__)
START = Progress()


# deliberate declaration: a dataclass's fields
@dataclass(frozen=True, slots=True)
class _Open:
    """The route's circuit is open: nothing was called. Fail over, or wait `wait_s`."""

    wait_s: float
    evidence: str


@dataclass(frozen=True, slots=True)
class Policy:
    max_attempts: int = 3
    backoff_base_s: float = 1.0
    backoff_max_s: float = 300.0
    deferral_s: float = 1.0
    """How long a send waits when its provider's rate limit or concurrency is exhausted."""
    rand: Callable[[], float] = field(default=lambda: 0.5)


class Deliverer:
    def __init__(
        self,
        registry: Registry,
        links: TrackingLinks | None,
        metrics: DispatcherMetrics,
        clock: Clock,
        policy: Policy,
        final_check: FinalCheck | None = None,
        finish: Callable[[Send, Message, object], Message] | None = None,
    ) -> None:
        """`finish(send, message, provider)` sees every rendered message before the final
        check and its provider do (the opt-out)."""
        self._registry, self._links, self._metrics = registry, links, metrics
        self._clock, self._policy, self._finish = clock, policy, finish
        self._final_check = final_check or FinalCheck(links=links, clock=clock)
        self._variants = Variants()
        self._calls = 0
        """Provider calls in progress: counted here, read by the gauge when scraped."""
        metrics.in_flight.set_function(lambda: self._calls)
        self._bulk: dict[int, Callable[[Message], Awaitable[Attempt]]] = {}

    async def deliver(
        self, send: Send, progress: Progress = START, allowed: frozenset[Channel] | None = None
    ) -> Done | Later:
        """Go on from `progress`; routes of channels not `allowed` (consent) are skipped."""
        routes = self._registry.routes(send.tenant, send.channels)
        dead: list[tuple[Channel, str]] = []
        p = progress
        while p.route < len(routes):
            route = routes[p.route]
            if allowed is not None and route.channel not in allowed:
                p = _next(p, f"{route.channel}: consent withdrawn")
                continue
            step = await self._step(send, route, p, dead)
            if isinstance(step, _Open):
                if _last(routes, p.route, allowed):
                    return self._wait_for_circuit(send, route, p, dead, step.wait_s)
                step = _next(p, step.evidence)
            if not isinstance(step, Progress):
                return step
            if step.route != p.route:
                self._metrics.failovers.labels(route.provider.name).inc()
            p = step
        detail = "; ".join(p.evidence) or "no provider for any allowed channel"
        return Done(
            outcome(
                send,
                OutcomeKind.FAILED,
                self._clock(),
                channel=routes[-1].channel if routes else None,
                provider=routes[-1].provider.name if routes else None,
                reason=ReasonCode.PROVIDER_FAILED,
                detail=detail,
            ),
            tuple(dead),
        )

    async def _step(
        self, send: Send, route: Route, p: Progress, dead: list[tuple[Channel, str]]
    ) -> Done | Later | Progress | _Open:
        """Try one route once: a final answer, a retry later, or the progress to go on with."""
        name, channel = route.provider.name, route.channel
        try:
            message, wrapped = render_tracked(send, channel, self._links, self._variants)
            message = self._finish(send, message, route.provider) if self._finish else message
        except RenderError as exc:
            return self._refused(send, route, exc.reason, str(exc), dead)
        problem = self._final_check.problem(send, message, wrapped)
        if problem is not None:
            log.warning(
                "final_check_failed",
                delivery_id=send.delivery_id,
                reason=problem.reason,
                trace_id=send.trace_id,
            )
            return self._refused(send, route, problem.reason, problem.detail, dead)
        if not await route.gate.enter():
            self._metrics.retries.labels(name, "rate_limited").inc()
            later = self._clock() + timedelta(seconds=self._policy.deferral_s)
            return Later(send, p, later, tuple(dead))
        try:
            if not route.gate.breaker.allow():
                return _Open(route.gate.breaker.wait_s(), f"{channel}/{name}: circuit open")
            attempt = await self._call(route, message)
        finally:
            route.gate.leave()
        dead.extend((channel, c) for c in attempt.dead_contacts)
        return self._judge(send, route, p, attempt, dead)

    def _refused(
        self,
        send: Send,
        route: Route,
        reason: ReasonCode,
        detail: str,
        dead: list[tuple[Channel, str]],
    ) -> Done:
        """The message itself cannot be sent: it fails without a provider seeing it."""
        return Done(
            outcome(
                send,
                OutcomeKind.FAILED,
                self._clock(),
                channel=route.channel,
                provider=route.provider.name,
                reason=reason,
                detail=detail,
            ),
            tuple(dead),
        )

    def _judge(
        self,
        send: Send,
        route: Route,
        p: Progress,
        attempt: Attempt,
        dead: list[tuple[Channel, str]],
    ) -> Done | Later | Progress | _Open:
        breaker, name = route.gate.breaker, route.provider.name
        if attempt.skipped:  # its target's circuit is open: not called, breaker untouched
            return _Open(attempt.retry_after or 0.0, f"{route.channel}/{name}: {attempt.detail}")
        if attempt.ok:
            breaker.success()
            kind = OutcomeKind.DELIVERED if attempt.result is Result.DELIVERED else OutcomeKind.SENT
            return Done(
                outcome(
                    send,
                    kind,
                    self._clock(),
                    channel=route.channel,
                    provider=name,
                    detail=attempt.detail,
                ),
                tuple(dead),
            )
        if attempt.result is Result.PERMANENT:
            breaker.success()  # it answered: the provider is up, this message is the problem
            return _next(p, f"{route.channel}/{name}: {attempt.detail}")
        if attempt.blame is Blame.SEND:  # this send's own target failed: not the provider
            breaker.success()
        else:
            breaker.failure()
        tries = p.attempt + 1
        if tries >= self._policy.max_attempts:
            return _next(p, f"{route.channel}/{name}: {attempt.detail} after {tries} attempts")
        self._metrics.retries.labels(name, "retryable").inc()
        pol = self._policy
        wait = backoff(tries, pol.backoff_base_s, pol.backoff_max_s, attempt.retry_after, pol.rand)
        return Later(
            send, replace(p, attempt=tries), self._clock() + timedelta(seconds=wait), tuple(dead)
        )

    def _wait_for_circuit(
        self, send: Send, route: Route, p: Progress, dead: list[tuple[Channel, str]], wait_s: float
    ) -> Later:
        """Parked until the circuit half-opens (at least `deferral_s`, while another send
        probes it), or until the push expires, when the retry loop ends it `expired`."""
        self._metrics.retries.labels(route.provider.name, "circuit_open").inc()
        now = self._clock()
        at = now + timedelta(seconds=max(wait_s, self._policy.deferral_s))
        if send.expires_at is not None:
            at = min(at, max(send.expires_at, now))
        return Later(send, p, at, tuple(dead))

    async def _call(self, route: Route, message: Message) -> Attempt:
        name, provider = route.provider.name, route.provider
        self._calls += 1
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            if getattr(provider, "in_process", False):  # no I/O: nothing to outlast
                attempt = await provider.send(message)
            else:
                async with asyncio.timeout(route.timeout_s):
                    attempt = await self._sender(provider)(message)
        except TimeoutError:
            # a tenant's own receiver that answers too slowly is that send's fault, not the
            # shared provider's (`timeout_blame`, webhook.py)
            blame = getattr(provider, "timeout_blame", Blame.PROVIDER)
            detail = f"no answer within {route.timeout_s}s"
            attempt = Attempt(Result.RETRYABLE, name, detail, blame=blame)
        except Exception as exc:
            log.exception("provider_raised", provider=name, trace_id=message.trace_id)
            attempt = Attempt(Result.RETRYABLE, name, f"provider error: {type(exc).__name__}")
        finally:
            self._calls -= 1
        self._metrics.latency_by(name).observe(loop.time() - started)
        self._metrics.sends_by(route.channel, name, attempt.result).inc()
        return attempt

    def _sender(self, provider: Provider) -> Callable[[Message], Awaitable[Attempt]]:
        """The provider's `send`, or its bulk API for sends that reach it together."""
        found = self._bulk.get(id(provider))
        if found is None:
            found = Bulk(provider).send if has_bulk_api(provider) else provider.send
            self._bulk[id(provider)] = found
        return found


def _last(routes: list[Route], index: int, allowed: frozenset[Channel] | None) -> bool:
    """No allowed route after this one: nothing left to fail over to."""
    return not any(allowed is None or r.channel in allowed for r in routes[index + 1 :])


def _next(p: Progress, evidence: str) -> Progress:
    return Progress(route=p.route + 1, attempt=0, evidence=(*p.evidence, evidence))
