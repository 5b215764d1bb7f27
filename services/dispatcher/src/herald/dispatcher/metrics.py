"""herald_dispatcher_* metrics."""

import functools

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from herald.dispatcher.resilience import Circuit

log = structlog.get_logger(__name__)


class DispatcherMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sends = Counter(
            "herald_dispatcher_sends",
            "Provider calls by channel, provider and result.",
            ["channel", "provider", "result"],
            registry=registry,
        )
        self.outcomes = Counter(
            "herald_dispatcher_outcomes",
            "Final outcomes of sends, by channel, provider and outcome.",
            ["channel", "provider", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "herald_dispatcher_provider_seconds",
            "Provider call latency, by provider.",
            ["provider"],
            registry=registry,
        )
        self.in_flight = Gauge(
            "herald_dispatcher_in_flight", "Provider calls in progress.", registry=registry
        )
        self.retries = Counter(
            "herald_dispatcher_retries",
            "Sends parked for a later attempt, by provider and why (retryable, rate_limited).",
            ["provider", "why"],
            registry=registry,
        )
        self.failovers = Counter(
            "herald_dispatcher_failovers",
            "Sends moved on from a provider to the next route, by the provider left.",
            ["provider"],
            registry=registry,
        )
        self.circuit = Gauge(
            "herald_dispatcher_circuit_state",
            "Circuit breaker state per provider: 0 closed, 1 open, 2 half-open.",
            ["provider"],
            registry=registry,
        )
        self.waiting = Gauge(
            "herald_dispatcher_retries_due",
            "Sends in the retry table found due at the last poll.",
            registry=registry,
        )
        self.repeats = Counter(
            "herald_dispatcher_redelivered_sends",
            "Sends received again whose outcome was already recorded (not sent twice).",
            registry=registry,
        )
        self.invalidated = Counter(
            "herald_dispatcher_contacts_invalidated",
            "Contacts a provider reported dead (ContactInvalidated published), by channel.",
            ["channel"],
            registry=registry,
        )
        self.receipts = Counter(
            "herald_dispatcher_receipts",
            "Delivery receipts and inbox reads received, by kind and status.",
            ["kind", "status"],
            registry=registry,
        )

        # labelled children looked up once, not per send (`labels` costs as much as the inc)
        self.sends_by = functools.cache(self.sends.labels)
        self.outcomes_by = functools.cache(self.outcomes.labels)
        self.latency_by = functools.cache(self.latency.labels)

    def on_circuit(self, provider: str, state: Circuit) -> None:
        """A breaker changed state: the gauge, and a log line operators can alert on."""
        self.circuit.labels(provider).set(int(state))
        log.warning("circuit_changed", provider=provider, state=state.name.lower())
