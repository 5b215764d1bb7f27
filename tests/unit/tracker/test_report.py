"""Report arithmetic: rates over delivered, distinct deliveries, reasons, channels."""

from typing import Any

import pytest

from herald.tracker.domain.report import (
    Report,
    build_range_reports,
    build_report,
    combine,
    final_status,
    rate,
)


def row(
    outcome: str,
    n: int,
    channel: str = "sms",
    reason: str = "",
    delivered: int | None = None,
    opened: int = 0,
    read: int = 0,
    clicked: int = 0,
    department: str = "marketing",
) -> dict[str, Any]:
    if delivered is None:
        delivered = n if outcome == "delivered" else 0
    return {
        "department": department, "channel": channel, "outcome": outcome, "reason": reason,
        "n": n, "delivered": delivered, "opened": opened, "read": read, "clicked": clicked,
    }  # fmt: skip


def test_rates_are_over_delivered_and_absent_until_something_is_delivered() -> None:
    assert build_report(3, [row("sent", 3)]).as_json()["read_rate"] is None
    assert build_report(3, [row("sent", 3)]).as_json()["click_rate"] is None
    report = build_report(10, [row("delivered", 8, opened=4, read=1, clicked=2), row("failed", 2)])
    body = report.as_json()
    assert (body["read_rate"], body["click_rate"]) == (0.5, 0.25)
    assert (body["sent"], body["delivered"], body["failed"]) == (8, 8, 2)


def test_a_sent_delivery_with_engagement_counts_as_delivered() -> None:
    body = build_report(4, [row("sent", 4, delivered=1, clicked=1)]).as_json()
    assert (body["sent"], body["delivered"], body["clicked"], body["click_rate"]) == (4, 1, 1, 1.0)


def test_not_sent_outcomes_are_counted_by_reason_and_kept_out_of_channels() -> None:
    report = build_report(
        7,
        [
            row("delivered", 2),
            row("suppressed", 2, channel="", reason="opted_out"),
            row("suppressed", 1, channel="", reason="no_contact"),
            row("expired", 1, channel=""),
            row("cancelled", 1, channel=""),
        ],
        [{"reason": "quiet_hours_deferred", "n": 2}],
    )
    body = report.as_json()
    assert body["suppressed"] == 3
    assert body["suppressed_by_reason"] == {"no_contact": 1, "opted_out": 2}
    assert (body["expired"], body["cancelled"]) == (1, 1)
    assert body["deferred_by_reason"] == {"quiet_hours_deferred": 2}
    assert set(body["channels"]) == {"sms"}
    counts = report.counts()
    assert (counts.recipients, counts.suppressed, counts.expired, counts.cancelled) == (7, 3, 1, 1)


def test_channels_have_their_own_rates_and_failures_their_reasons() -> None:
    report = build_report(
        6,
        [
            row("delivered", 2, clicked=1),
            row("delivered", 2, channel="email", opened=2),
            row("failed", 2, channel="email", reason="provider_failed"),
        ],
    )
    body = report.as_json()
    assert body["channels"]["sms"]["click_rate"] == 0.5
    assert body["channels"]["email"]["read_rate"] == 1.0
    assert body["channels"]["email"]["failed"] == 2
    assert body["failed_by_reason"] == {"provider_failed": 2}
    assert (body["read_rate"], body["click_rate"]) == (0.5, 0.25)


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([row("delivered", 3)], "completed"),
        ([row("delivered", 1), row("cancelled", 2, channel="")], "cancelled"),
        ([row("expired", 2, channel=""), row("suppressed", 1, channel="", reason="x")], "expired"),
        ([row("expired", 1, channel=""), row("delivered", 2)], "completed"),
    ],
)
def test_final_status(rows: list[dict[str, Any]], expected: str) -> None:
    assert final_status(build_report(sum(r["n"] for r in rows), rows)) == expected


def test_range_reports_are_per_department_and_combine_into_the_tenant_total() -> None:
    reports = build_range_reports(
        [
            row("delivered", 4, opened=2),
            row("suppressed", 1, channel="", reason="opted_out"),
            row("delivered", 2, channel="email", clicked=2, department="ops"),
        ],
        [{"department": "ops", "reason": "blackout_deferred", "n": 1}],
    )
    assert list(reports) == ["marketing", "ops"]
    assert reports["marketing"].recipients == 5
    assert reports["ops"].deferred == {"blackout_deferred": 1}
    total = combine(reports.values()).as_json()
    assert (total["recipients"], total["delivered"], total["opened"], total["clicked"]) == (
        7,
        6,
        2,
        2,
    )
    assert total["read_rate"] == round(2 / 6, 4)
    assert set(total["channels"]) == {"sms", "email"}
    assert combine([]).as_json()["read_rate"] is None


def test_rate_rounds_to_four_places() -> None:
    assert rate(1, 3) == 0.3333
    assert rate(0, 0) is None
    assert Report(0).as_json()["channels"] == {}


def test_unsubscribes_are_counted_with_their_rate_over_sent() -> None:
    rows = [
        {**row("sent", 8, channel="email", delivered=3), "unsubscribed": 2},
        {**row("sent", 2, channel="sms"), "unsubscribed": 0},
        row("suppressed", 5, reason="opted_out"),
    ]
    body = build_report(15, rows).as_json()
    assert (body["unsubscribed"], body["unsubscribe_rate"]) == (2, 0.2)
    assert body["channels"]["email"]["unsubscribe_rate"] == 0.25
    assert body["suppressed_by_reason"] == {"opted_out": 5}
    assert build_report(1, [row("failed", 1)]).as_json()["unsubscribe_rate"] is None
