"""Providers and their gates per tenant and channel, in failover order. A gate stands
before each provider: its circuit breaker, token bucket and concurrency bound."""

import asyncio
from dataclasses import dataclass, field

from aiolimiter import AsyncLimiter

from herald.contracts import Channel
from herald.dispatcher.domain.resilience import Breaker
from herald.dispatcher.lane_gate import LaneSlots
from herald.dispatcher.providers.base import Provider
from herald.dispatcher.routing.builders import Parts, build_provider
from herald.dispatcher.routing.config import ProvidersConfig, ProviderSpec


@dataclass
class Gate:
    """What stands before one provider: its breaker, token bucket and concurrency bound."""

    breaker: Breaker
    limiter: AsyncLimiter | None
    slots: LaneSlots
    """The provider's concurrency bound, some of it kept for critical sends."""
    wait_s: float
    """Longest a send waits for a token or a slot before it is deferred instead."""
    name: str = field(default="")

    async def enter(self) -> bool:
        """Take a token and a slot within wait_s; False means defer the send."""
        if (self.limiter is None or self.limiter.has_capacity()) and not self.slots.locked():
            # both free: take them without arming a timeout (the common case, per send)
            if self.limiter is not None:
                await self.limiter.acquire()
            await self.slots.acquire()
            return True
        try:
            async with asyncio.timeout(self.wait_s):
                if self.limiter is not None:
                    await self.limiter.acquire()
                await self.slots.acquire()
        except TimeoutError:
            return False
        return True

    def leave(self) -> None:
        self.slots.release()


@dataclass(frozen=True, slots=True)
class Route:
    channel: Channel
    provider: Provider
    gate: Gate
    timeout_s: float


def build_gate(spec: ProviderSpec, key: str, parts: Parts) -> Gate:
    limiter = None
    if spec.rate_per_s:
        share = spec.rate_per_s / max(1, parts.replicas)
        burst = max(1.0, spec.burst / max(1, parts.replicas) if spec.burst else share)
        limiter = AsyncLimiter(burst, burst / share)
    breaker = Breaker(
        parts.breaker_threshold,
        parts.breaker_reset_s,
        parts.monotonic,
        lambda state: parts.on_circuit(key, state),
    )
    slots = LaneSlots.split(spec.concurrency, parts.critical_reserve)
    return Gate(breaker, limiter, slots, parts.gate_wait_s, key)


class Registry:
    """Routes per tenant and channel; one provider instance and gate per configured name."""

    def __init__(self, config: ProvidersConfig, tenants: frozenset[str], parts: Parts) -> None:
        self._routes: dict[str, dict[Channel, list[Route]]] = {}
        built: dict[str, tuple[Provider, Gate, float]] = {}
        for tenant in sorted(tenants):
            specs = config.specs(tenant)
            table: dict[Channel, list[Route]] = {}
            for channel, names in config.channels_for(tenant).items():
                for name in names:
                    key = config.owner(tenant, name)
                    if key not in built:
                        if name not in specs:
                            raise ValueError(f"tenant {tenant}: no provider named {name!r}")
                        spec = specs[name]
                        built[key] = (
                            build_provider(spec, key, parts),
                            build_gate(spec, key, parts),
                            spec.timeout_s,
                        )
                    provider, gate, timeout = built[key]
                    table.setdefault(channel, []).append(Route(channel, provider, gate, timeout))
            self._routes[tenant] = table

    def routes(self, tenant: str, channels: tuple[Channel, ...]) -> list[Route]:
        table = self._routes.get(tenant, {})
        return [r for c in channels for r in table.get(c, [])]
