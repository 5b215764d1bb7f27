from prometheus_client import CollectorRegistry, Counter, Histogram


class IntakeMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.received = Counter(
            "herald_intake_requests",
            "Push requests received, by path (kafka/http), tenant and outcome.",
            ["path", "tenant", "outcome"],
            registry=registry,
        )
        self.invalid = Counter(
            "herald_intake_validation_failures",
            "Requests refused by validation, by reason code.",
            ["reason"],
            registry=registry,
        )
        self.size = Histogram(
            "herald_intake_request_size_bytes",
            "Size of submitted request payloads.",
            buckets=(512, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304),
            registry=registry,
        )
        self.latency = Histogram(
            "herald_intake_handling_seconds",
            "Time to validate, dedupe and pass on one request.",
            registry=registry,
        )
