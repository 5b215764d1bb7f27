from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class DispatcherMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.sends = Counter(
            "herald_dispatcher_sends",
            "Send attempts, by channel, provider and result.",
            ["channel", "provider", "result"],
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
        self.repeats = Counter(
            "herald_dispatcher_redelivered_sends",
            "Sends received again whose outcome was already recorded (not sent twice).",
            registry=registry,
        )
