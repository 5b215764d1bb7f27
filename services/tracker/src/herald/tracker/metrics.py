"""herald_tracker_* metrics (the README's metrics table). Labels are bounded: tenants this
deployment serves (anything else is `other`), channels, outcome and event kinds, topics.
Never a request, delivery or recipient id."""

from collections.abc import Callable, Iterable

from prometheus_client import CollectorRegistry

from herald.contracts import Channel
from herald.runtime.metrics import Bounded, Metrics

LAG_BUCKETS = (0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21600, 86400)
BATCH_BUCKETS = (1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500)


class TrackerMetrics:
    def __init__(self, registry: CollectorRegistry, tenants: Iterable[str]) -> None:
        self.tenant = Bounded(tenants)
        self.channel = Bounded((str(c) for c in Channel), none="none")
        m = Metrics(registry, "herald_tracker")
        # deliberate declaration: one call per documented metric (the README's metrics table)
        self.outcomes = m.counter(
            "outcomes",
            "Outcomes recorded (sent, delivered, failed, suppressed, ...), by tenant and channel.",
            "tenant",
            "channel",
            "outcome",
        )
        self.engagement = m.counter(
            "engagement",
            "Engagement events recorded (opened, read, clicked, ...), by tenant and channel.",
            "tenant",
            "channel",
            "kind",
        )
        self.skipped = m.counter(
            "events_skipped",
            "Events not recorded: dated before the retention horizon or in the future.",
            "topic",
            "reason",
        )
        self.ingest_lag = m.histogram(
            "ingest_lag_seconds",
            "Time from an event's own timestamp to its ingestion.",
            "topic",
            buckets=LAG_BUCKETS,
        )
        self.batch_size = m.histogram(
            "batch_size", "Events per ingested batch.", "topic", buckets=BATCH_BUCKETS
        )
        self.db_write = m.histogram(
            "db_write_seconds", "Time to write one batch to Postgres (one transaction).", "topic"
        )
        self.consumer_lag = m.gauge(
            "consumer_lag_messages",
            "Messages on a topic not yet committed by tracker's consumer group.",
            "topic",
        )
        self.link_hits = m.counter(
            "link_hits",
            "Hits on tracking links and open pixels, by kind and result.",
            "kind",
            "result",
        )
        self.api_events = m.counter(
            "api_engagement_events",
            "Engagement events accepted on POST /v1/engagement, by tenant.",
            "tenant",
        )
        self.status_updates = m.counter(
            "status_updates", "Status events published with updated counts after completion."
        )
        self.erasures = m.counter("erasures", "Recipients erased by a tombstone.")
        self.partitions = m.gauge("partitions", "Monthly partitions present, by table.", "table")
        self.partitions_dropped = m.counter(
            "partitions_dropped", "Monthly partitions dropped by retention, by table.", "table"
        )
        self.loop_failures = m.counter(
            "loop_failures", "Failed rounds of a background loop, by loop.", "loop"
        )

    def failed_rounds(self, loop: str) -> Callable[[BaseException], None]:
        """A background loop's `on_failure`: counts its failed rounds."""
        failed = self.loop_failures.labels(loop)
        return lambda _error: failed.inc()
