"""Send-time optimisation's choice: local hours, recent events weigh more, a minimum of
evidence (pure)."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from herald.scheduler.domain.besthour import HourEvidence, best_hour, histogram, weight
from herald.scheduler.domain.timing import optimised

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)
WEEK = timedelta(days=7)


def test_an_event_one_half_life_old_weighs_half() -> None:
    assert weight(timedelta(0), WEEK) == 1.0
    assert weight(WEEK, WEEK) == 0.5
    assert weight(-WEEK, WEEK) == 1.0  # dated ahead: as if now


def test_a_habit_is_its_local_hour_across_a_dst_change() -> None:
    # 08:10 in New York, before (EDT, 12:10 UTC) and after (EST, 13:10 UTC) 1 November
    events = [
        datetime(2026, 10, 27, 12, 10, tzinfo=UTC),
        datetime(2026, 10, 28, 12, 10, tzinfo=UTC),
        datetime(2026, 11, 20, 13, 10, tzinfo=UTC),
    ]
    [eight] = histogram(events, NY, NOW, WEEK)
    assert (eight.hour, eight.events) == (8, 3)
    assert best_hour([eight], 3) == 8


def test_recent_events_outweigh_more_but_older_ones() -> None:
    old = [NOW.replace(hour=9) - timedelta(days=20 + d) for d in range(3)]
    recent = [NOW.replace(hour=20) - timedelta(days=1 + d) for d in range(2)]
    evidence = histogram(old + recent, ZoneInfo("UTC"), NOW, WEEK)
    assert best_hour(evidence, 3) == 20
    assert best_hour(histogram(old + recent, ZoneInfo("UTC"), NOW, timedelta(days=365)), 3) == 9


def test_too_little_evidence_moves_nothing_and_ties_go_to_the_earlier_hour() -> None:
    assert best_hour([HourEvidence(19, 2.0, 2)], 3) is None
    assert best_hour([], 1) is None
    assert best_hour([HourEvidence(19, 1.0, 2), HourEvidence(7, 1.0, 2)], 3) == 7


def test_optimised_moves_to_the_best_local_hour_inside_the_window() -> None:
    base = datetime(2026, 11, 27, 12, tzinfo=UTC)  # 07:00 in New York
    assert optimised(base, base + timedelta(hours=24), 8, NY) == base + timedelta(hours=1)
    assert optimised(base, base + timedelta(hours=24), 6, NY) == base + timedelta(hours=23)
    assert optimised(base, base + timedelta(hours=20), 6, NY) == base  # past the window
    assert optimised(base, base + timedelta(hours=24), 7, NY) == base


def test_an_hour_a_dst_change_skips_starts_when_the_clock_jumps() -> None:
    base = datetime(2027, 3, 14, 5, tzinfo=UTC)  # 00:00 EST; at 02:00 clocks jump to 03:00
    assert optimised(base, base + timedelta(hours=24), 2, NY) == datetime(
        2027, 3, 14, 7, tzinfo=UTC
    )
