"""Month partitions: bounds in UTC, names from dates only, what to create and drop."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from herald.tracker.domain.partitions import (
    Month,
    horizon,
    months_of,
    months_to_drop,
    months_to_keep_ready,
    parse_partition,
)

SHANGHAI = timezone(timedelta(hours=8))


def test_a_month_is_taken_in_utc() -> None:
    # 08:00 on 1 December in Shanghai is still 30 November in UTC
    assert Month.of(datetime(2026, 12, 1, 7, 59, tzinfo=SHANGHAI)) == Month(2026, 11)
    assert Month(2026, 12).next() == Month(2027, 1)
    assert Month(2026, 11).plus(14) == Month(2028, 1)
    assert Month(2026, 1).plus(-1) == Month(2025, 12)
    assert Month(2026, 12).end == datetime(2027, 1, 1, tzinfo=UTC)


def test_partition_names_round_trip_and_nothing_else_parses() -> None:
    assert Month(2026, 3).partition("outcomes") == "outcomes_p202603"
    assert parse_partition("engagement_p202603") == ("engagement", Month(2026, 3))
    for name in ("outcomes_p202613", "requests_p202601", "outcomes_p2026011", "x; DROP"):
        assert parse_partition(name) is None
    with pytest.raises(ValueError, match="partitioned"):
        Month(2026, 3).partition("requests; --")


def test_months_are_kept_ready_ahead() -> None:
    now = datetime(2026, 11, 27, tzinfo=UTC)
    assert months_to_keep_ready(now, 2) == [Month(2026, 11), Month(2026, 12), Month(2027, 1)]


def test_a_month_is_dropped_only_when_all_of_it_is_past_retention() -> None:
    now = datetime(2026, 11, 27, tzinfo=UTC)
    assert horizon(now, 30) == datetime(2026, 10, 1, tzinfo=UTC)  # 28 Oct is still kept
    existing = [Month(2026, 8), Month(2026, 9), Month(2026, 10), Month(2026, 11)]
    assert months_to_drop(existing, now, 30) == [Month(2026, 8), Month(2026, 9)]
    assert months_to_drop(existing, now, 3650) == []


def test_months_of_a_batch() -> None:
    times = [datetime(2026, 11, 30, 23, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)]
    assert months_of(times) == {Month(2026, 11), Month(2026, 12)}
