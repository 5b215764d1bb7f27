"""Tracker's composition root."""

from fastapi import FastAPI

from herald.runtime.clock import Clock, utc_now
from herald.runtime.links import LinkSigner, parse_keys
from herald.runtime.loops import every
from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app
from herald.tracker.adapters.kafka_lag import LagProbe
from herald.tracker.adapters.postgres.ledger import Ledger
from herald.tracker.adapters.postgres.partitions import PartitionKeeper, Retention
from herald.tracker.engagement import Engagements
from herald.tracker.handlers import GROUPS, build_router
from herald.tracker.http.engagement import build_engagement_http
from herald.tracker.http.labels import build_labels_http
from herald.tracker.http.reports import build_http
from herald.tracker.http.timeline import build_timeline_http
from herald.tracker.manifest import MANIFEST
from herald.tracker.metrics import TrackerMetrics
from herald.tracker.settings import TrackerSettings
from herald.tracker.tracking import Tracker


def create_app(settings: TrackerSettings | None = None, *, clock: Clock = utc_now) -> FastAPI:
    s = settings or TrackerSettings()
    rt = build_runtime("tracker", s)
    metrics = TrackerMetrics(rt.registry, s.tenant_set)
    signer = LinkSigner(parse_keys(s.tracking_keys.get_secret_value()))
    ledger = Ledger(rt.db)
    retention = Retention(s.retention_days, s.partition_months_ahead)
    keeper = PartitionKeeper(rt.db, retention, clock, metrics)
    tracker = Tracker(
        ledger, keeper, rt.events, metrics, clock, future_skew_s=s.engagement_future_skew_s
    )
    engagements = Engagements(
        signer, rt.events, metrics, clock, publish_timeout_s=s.link_publish_timeout_s
    )
    groups = {str(t): g for t, g in GROUPS.items()}
    probe = LagProbe(s.kafka_bootstrap_servers, groups, metrics, s.kafka_topic_prefix, rt.security)

    async def status_updates() -> int:
        return await tracker.publish_updates(s.status_update_interval_s)

    # reporting and housekeeping: a failed round is counted, readiness is not touched
    for name, interval_s, step in (
        ("maintenance", s.maintenance_interval_s, keeper.run),
        ("status_updates", s.status_update_interval_s, status_updates),
        ("consumer_lag", s.lag_interval_s, probe.measure),
    ):
        rt.add_loop(name, every(interval_s, step, on_failure=metrics.failed_rounds(name)))
    rt.on_close(probe.close)
    engagement_http = build_engagement_http(
        engagements, rt.auth, max_events=s.engagement_max_events, max_bytes=s.engagement_max_bytes
    )
    return create_service_app(
        rt,
        routers=[build_router(rt.consumers(), tracker, rt.dlq)],
        http=[
            build_http(ledger, rt.auth, clock),
            build_labels_http(ledger, rt.auth, clock),
            build_timeline_http(ledger, rt.auth, clock),
            engagement_http,
        ],
        migrations=MANIFEST.migrations,
        body_limits={"/v1/engagement": s.engagement_max_bytes},
    )
