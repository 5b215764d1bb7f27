"""herald_intake_callback_* metrics (intake's README, "Status callbacks")."""

from prometheus_client import CollectorRegistry

from herald.runtime.metrics import Metrics

LATENCY_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


class CallbackMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        m = Metrics(registry, "herald_intake_callback")
        # deliberate declaration: one call per documented metric (README, "Status callbacks")
        self.queued = m.counter("deliveries_queued", "Callback deliveries queued, by type.", "type")
        self.attempts = m.counter(
            "attempts",
            "Callback POSTs, by outcome (delivered, failed, refused).",
            "outcome",
        )
        self.finished = m.counter(
            "deliveries_finished",
            "Callback deliveries done, by state (delivered, failed).",
            "state",
        )
        self.disabled = m.counter(
            "subscriptions_disabled", "Subscriptions disabled after consecutive failures."
        )
        self.latency = m.histogram(
            "attempt_seconds", "How long a callback POST took.", buckets=LATENCY_BUCKETS
        )
        self.loop_failures = m.counter(
            "sender_failures", "Rounds of the callback sender that failed (logged)."
        )
