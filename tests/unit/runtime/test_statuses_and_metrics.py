"""Statuses carry their request's labels; metric labels stay bounded."""

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry

from herald.contracts import Counts, Reason, ReasonCode, StatusKind
from herald.runtime.metrics import Bounded, Metrics
from herald.runtime.statuses import RequestRef, status_of

AT = datetime(2026, 11, 27, 9, tzinfo=UTC)


def test_a_status_is_about_its_request_and_carries_its_labels() -> None:
    request = RequestRef("r-1", "acme", {"campaign": "black-friday"})
    reason = Reason(code=ReasonCode.EXPIRED, message="too late")
    status = status_of(
        request, StatusKind.EXPIRED, AT, reasons=[reason], counts=Counts(recipients=3)
    )
    assert (status.request_id, status.tenant, status.status) == ("r-1", "acme", "expired")
    assert status.labels == {"campaign": "black-friday"}
    assert status.reasons == (reason,)
    assert status.counts == Counts(recipients=3)


def test_a_request_known_only_by_id_has_no_labels_reasons_or_counts() -> None:
    status = status_of(RequestRef("r-2", "acme"), StatusKind.ACCEPTED, AT)
    assert (status.labels, status.reasons, status.counts) == ({}, (), None)


def test_unknown_label_values_are_counted_as_other() -> None:
    tenants, channels = Bounded({"acme"}), Bounded({"sms", "email"}, none="none")
    assert [tenants(t) for t in ("acme", "evil-corp", None)] == ["acme", "other", "other"]
    assert [channels(c) for c in ("sms", "fax", None, "")] == ["sms", "other", "none", "none"]


def test_metrics_are_declared_under_the_service_prefix() -> None:
    registry = CollectorRegistry()
    m = Metrics(registry, "herald_demo")
    m.counter("things", "Things, by kind.", "kind").labels("a").inc(2)
    m.histogram("wait_seconds", "Waits.", buckets=(1, 2)).observe(1.5)
    m.gauge("depth", "Depth.").set(4)
    assert registry.get_sample_value("herald_demo_things_total", {"kind": "a"}) == 2
    assert registry.get_sample_value("herald_demo_wait_seconds_bucket", {"le": "2.0"}) == 1
    assert registry.get_sample_value("herald_demo_depth") == 4
