"""Tracker's Prometheus metrics. Labels are bounded: tenants this deployment serves
(anything else is `other`), channels, outcome and event kinds, topics. Never a request,
delivery or recipient id."""

from collections.abc import Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from herald.contracts import Channel

LAG_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400)
BATCH_BUCKETS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)
OTHER = "other"
_CHANNELS = frozenset(str(c) for c in Channel)


class TrackerMetrics:
    def __init__(self, registry: CollectorRegistry, tenants: Iterable[str]) -> None:
        self._tenants = frozenset(tenants)
        self.outcomes = Counter(
            "herald_tracker_outcomes",
            "Outcomes recorded (sent, delivered, failed, suppressed, ...), by tenant and channel.",
            ["tenant", "channel", "outcome"],
            registry=registry,
        )
        self.engagement = Counter(
            "herald_tracker_engagement",
            "Engagement events recorded (opened, read, clicked, ...), by tenant and channel.",
            ["tenant", "channel", "kind"],
            registry=registry,
        )
        self.skipped = Counter(
            "herald_tracker_events_skipped",
            "Events not recorded: dated before the retention horizon or in the future.",
            ["topic", "reason"],
            registry=registry,
        )
        self.ingest_lag = Histogram(
            "herald_tracker_ingest_lag_seconds",
            "Time from an event's own timestamp to its ingestion.",
            ["topic"],
            buckets=LAG_BUCKETS,
            registry=registry,
        )
        self.batch_size = Histogram(
            "herald_tracker_batch_size",
            "Events per ingested batch.",
            ["topic"],
            buckets=BATCH_BUCKETS,
            registry=registry,
        )
        self.db_write = Histogram(
            "herald_tracker_db_write_seconds",
            "Time to write one batch to Postgres (one transaction).",
            ["topic"],
            registry=registry,
        )
        self.consumer_lag = Gauge(
            "herald_tracker_consumer_lag_messages",
            "Messages on a topic not yet committed by tracker's consumer group.",
            ["topic"],
            registry=registry,
        )
        self.link_hits = Counter(
            "herald_tracker_link_hits",
            "Hits on tracking links and open pixels, by kind and result.",
            ["kind", "result"],
            registry=registry,
        )
        self.api_events = Counter(
            "herald_tracker_api_engagement_events",
            "Engagement events accepted on POST /v1/engagement, by tenant.",
            ["tenant"],
            registry=registry,
        )
        self.status_updates = Counter(
            "herald_tracker_status_updates",
            "Status events published with updated counts after completion.",
            registry=registry,
        )
        self.erasures = Counter(
            "herald_tracker_erasures",
            "Recipients erased by a tombstone.",
            registry=registry,
        )
        self.partitions = Gauge(
            "herald_tracker_partitions",
            "Monthly partitions present, by table.",
            ["table"],
            registry=registry,
        )
        self.partitions_dropped = Counter(
            "herald_tracker_partitions_dropped",
            "Monthly partitions dropped by retention, by table.",
            ["table"],
            registry=registry,
        )
        self.loop_failures = Counter(
            "herald_tracker_loop_failures",
            "Failed rounds of a background loop, by loop.",
            ["loop"],
            registry=registry,
        )

    def tenant(self, tenant: str | None) -> str:
        return tenant if tenant in self._tenants else OTHER

    @staticmethod
    def channel(channel: str | None) -> str:
        if not channel:
            return "none"
        return channel if channel in _CHANNELS else OTHER
