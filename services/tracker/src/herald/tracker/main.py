"""Tracker's composition root."""

from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI

from herald.runtime.links import LinkSigner, parse_keys
from herald.runtime.service import build_runtime
from herald.runtime.service import create_app as create_service_app
from herald.tracker.engagement_http import EngagementApi, build_engagement_http
from herald.tracker.handlers import GROUPS, build_router
from herald.tracker.http import build_http
from herald.tracker.lag import LagProbe
from herald.tracker.ledger import Ledger
from herald.tracker.loops import every
from herald.tracker.maintenance import PartitionKeeper, Retention
from herald.tracker.metrics import TrackerMetrics
from herald.tracker.settings import TrackerSettings
from herald.tracker.tracking import Tracker

MIGRATIONS = Path(__file__).parent / "migrations"


def now() -> datetime:
    return datetime.now(UTC)


def create_app(settings: TrackerSettings | None = None) -> FastAPI:
    s = settings or TrackerSettings()
    rt = build_runtime("tracker", s)
    metrics = TrackerMetrics(rt.registry, s.tenant_set)
    signer = LinkSigner(parse_keys(s.tracking_keys.get_secret_value()))
    ledger = Ledger(rt.db)
    keeper = PartitionKeeper(
        rt.db, Retention(s.retention_days, s.partition_months_ahead), now, metrics
    )
    tracker = Tracker(
        ledger, keeper, rt.events, metrics, now, future_skew_s=s.engagement_future_skew_s
    )
    engagement = EngagementApi(
        signer,
        rt.events,
        metrics,
        now,
        publish_timeout_s=s.link_publish_timeout_s,
        max_events=s.engagement_max_events,
        max_bytes=s.engagement_max_bytes,
    )
    probe = LagProbe(
        s.kafka_bootstrap_servers,
        {str(t): g for t, g in GROUPS.items()},
        metrics,
        s.kafka_topic_prefix,
    )
    rt.add_loop("maintenance", every("maintenance", s.maintenance_interval_s, keeper.run, metrics))
    rt.add_loop(
        "status_updates",
        every(
            "status_updates",
            s.status_update_interval_s,
            lambda: tracker.publish_updates(s.status_update_interval_s),
            metrics,
        ),
    )
    rt.add_loop("consumer_lag", every("consumer_lag", s.lag_interval_s, probe.measure, metrics))
    rt.on_close(probe.close)
    return create_service_app(
        rt,
        routers=[build_router(tracker, rt.dlq, rt.health, s)],
        http=[build_http(ledger, rt.auth, now), build_engagement_http(engagement, rt.auth)],
        migrations=MIGRATIONS,
    )
