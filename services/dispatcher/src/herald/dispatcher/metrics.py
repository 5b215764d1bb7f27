"""herald_dispatcher_* metrics (the README's metrics table)."""

import functools

import structlog
from prometheus_client import CollectorRegistry

from herald.dispatcher.domain.resilience import Circuit
from herald.runtime.metrics import Metrics

log = structlog.get_logger(__name__)


class DispatcherMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        m = Metrics(registry, "herald_dispatcher")
        # deliberate declaration: one call per documented metric (the README's metrics table)
        self.sends = m.counter(
            "sends",
            "Provider calls by channel, provider and result.",
            "channel",
            "provider",
            "result",
        )
        self.outcomes = m.counter(
            "outcomes",
            "Final outcomes of sends, by channel, provider and outcome.",
            "channel",
            "provider",
            "outcome",
        )
        self.latency = m.histogram(
            "provider_seconds", "Provider call latency, by provider.", "provider"
        )
        self.in_flight = m.gauge("in_flight", "Provider calls in progress.")
        self.retries = m.counter(
            "retries",
            "Sends parked for a later attempt, by provider and why "
            "(retryable, rate_limited, circuit_open).",
            "provider",
            "why",
        )
        self.failovers = m.counter(
            "failovers",
            "Sends moved on from a provider to the next route, by the provider left.",
            "provider",
        )
        self.circuit = m.gauge(
            "circuit_state",
            "Circuit breaker state per provider: 0 closed, 1 open, 2 half-open.",
            "provider",
        )
        self.waiting = m.gauge(
            "retries_due", "Sends in the retry table found due at the last poll."
        )
        self.repeats = m.counter(
            "redelivered_sends",
            "Sends received again whose outcome was already recorded (not sent twice).",
        )
        self.invalidated = m.counter(
            "contacts_invalidated",
            "Contacts a provider reported dead (ContactInvalidated published), by channel.",
            "channel",
        )
        self.receipts = m.counter(
            "receipts",
            "Delivery receipts and inbox reads received, by kind and status.",
            "kind",
            "status",
        )
        self.consent_changes = m.counter(
            "consent_changes",
            "Consent changes recipients made through Herald, by source and direction (in/out).",
            "source",
            "direction",
        )

        # labelled children looked up once, not per send (`labels` costs as much as the inc)
        self.sends_by = functools.cache(self.sends.labels)
        self.outcomes_by = functools.cache(self.outcomes.labels)
        self.latency_by = functools.cache(self.latency.labels)

    def on_circuit(self, provider: str, state: Circuit) -> None:
        """A breaker changed state: the gauge, and a log line operators can alert on."""
        self.circuit.labels(provider).set(int(state))
        log.warning("circuit_changed", provider=provider, state=state.name.lower())
