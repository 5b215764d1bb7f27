"""herald_intake_* metrics (the README's metrics table)."""

from collections.abc import Iterable

from prometheus_client import CollectorRegistry

from herald.runtime.metrics import Bounded, Metrics

SIZE_BUCKETS = (512, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216)


class IntakeMetrics:
    def __init__(self, registry: CollectorRegistry, tenants: Iterable[str]) -> None:
        self.tenant = Bounded(tenants)
        m = Metrics(registry, "herald_intake")
        # deliberate declaration: one call per documented metric (the README's metrics table)
        self.received = m.counter(
            "requests",
            "Push requests received, by path (kafka/http), tenant and outcome.",
            "path",
            "tenant",
            "outcome",
        )
        self.invalid = m.counter(
            "validation_failures", "Requests refused by validation, by reason code.", "reason"
        )
        self.size = m.histogram(
            "request_size_bytes", "Size of submitted request payloads.", buckets=SIZE_BUCKETS
        )
        self.latency = m.histogram(
            "handling_seconds", "Time to validate, dedupe and pass on one request."
        )
