"""Timing rules, each on its own, with fixed instants (no clock, no waiting)."""

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from herald.contracts import Category, QuietHours, ReasonCode, Schedule
from herald.scheduler.domain import Timing, plan_time
from herald.scheduler.domain.localtime import at_wall, in_window, window_end, zone_or
from herald.scheduler.domain.policy import Blackout, TenantPolicy
from herald.scheduler.domain.timing import optimised, timing_for

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
NIGHT = QuietHours(start="22:00", end="08:00")


def dt(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_without_send_at_the_send_is_due_now() -> None:
    planned = plan_time(None, Category.MARKETING, NOW, Timing(SHANGHAI, None), TenantPolicy())
    assert planned.due_at == NOW
    assert planned.deferred == ()


def test_send_at_is_kept_and_a_past_one_means_now() -> None:
    later = Schedule(send_at=dt("2026-11-28T09:00:00+08:00"))
    earlier = Schedule(send_at=dt("2026-11-26T09:00:00+08:00"))
    t = Timing(SHANGHAI, None)
    assert plan_time(later, Category.ALERT, NOW, t, TenantPolicy()).due_at == later.send_at
    assert plan_time(earlier, Category.ALERT, NOW, t, TenantPolicy()).due_at == NOW


def test_recipient_local_time_uses_the_wall_clock_in_their_zone() -> None:
    s = Schedule(send_at=dt("2026-11-27T20:00:00+08:00"), recipient_local_time=True)
    due = plan_time(s, Category.NOTIFICATION, NOW, Timing(BERLIN, None), TenantPolicy()).due_at
    assert due == dt("2026-11-27T20:00:00+01:00")


def test_local_time_skipped_by_spring_forward_moves_forward_by_the_gap() -> None:
    # 2026-03-08 02:30 does not exist in New York (clocks jump 02:00 -> 03:00)
    assert at_wall(date(2026, 3, 8), time(2, 30), NY) == dt("2026-03-08T03:30:00-04:00")


def test_local_time_repeated_by_fall_back_is_its_first_occurrence() -> None:
    # 2026-11-01 01:30 happens twice in New York; the first is still daylight time
    assert at_wall(date(2026, 11, 1), time(1, 30), NY) == dt("2026-11-01T01:30:00-04:00")


def test_local_time_across_dst_keeps_the_wall_clock_not_the_offset() -> None:
    s = Schedule(send_at=dt("2026-03-29T09:00:00+01:00"), recipient_local_time=True)
    early = datetime(2026, 3, 1, tzinfo=UTC)
    due = plan_time(s, Category.ALERT, early, Timing(BERLIN, None), TenantPolicy()).due_at
    assert due == dt("2026-03-29T09:00:00+02:00")  # Berlin is on summer time that day


def test_quiet_window_across_midnight() -> None:
    assert in_window(NIGHT, dt("2026-11-27T23:00:00+08:00"), SHANGHAI)
    assert in_window(NIGHT, dt("2026-11-27T07:59:00+08:00"), SHANGHAI)
    assert not in_window(NIGHT, dt("2026-11-27T08:00:00+08:00"), SHANGHAI)
    end = window_end(NIGHT, dt("2026-11-27T23:00:00+08:00"), SHANGHAI)
    assert end == dt("2026-11-28T08:00:00+08:00")


def test_quiet_window_end_on_a_dst_night_is_local_eight() -> None:
    end = window_end(NIGHT, dt("2026-03-28T23:30:00+01:00"), BERLIN)
    assert end == dt("2026-03-29T08:00:00+02:00")


def test_quiet_hours_hold_marketing_but_not_transactional_or_alert() -> None:
    s = Schedule(send_at=dt("2026-11-27T23:00:00+08:00"))
    policy = TenantPolicy(quiet_hours=NIGHT)
    t = Timing(SHANGHAI, NIGHT)
    held = plan_time(s, Category.MARKETING, NOW, t, policy)
    assert held.due_at == dt("2026-11-28T08:00:00+08:00")
    assert held.deferred == (ReasonCode.QUIET_HOURS_DEFERRED,)
    for category in (Category.TRANSACTIONAL, Category.ALERT):
        assert plan_time(s, category, NOW, t, policy).due_at == s.send_at


def test_blackout_dates_ranges_and_public_holidays() -> None:
    cal = Blackout(
        dates=(date(2026, 12, 24),),
        ranges=((date(2026, 12, 30), date(2027, 1, 2)),),
        holidays_country="CN",
    )
    assert cal.blocks(date(2026, 12, 24))
    assert cal.blocks(date(2027, 1, 1))
    assert cal.blocks(date(2026, 10, 1))  # National Day
    assert not cal.blocks(date(2026, 12, 25))


def test_blackout_moves_to_the_next_allowed_day_then_quiet_hours_apply() -> None:
    policy = TenantPolicy(
        blackout=Blackout(ranges=((date(2026, 11, 27), date(2026, 11, 28)),)),
        quiet_hours=QuietHours(start="22:00", end="23:00"),
    )
    s = Schedule(send_at=dt("2026-11-27T22:30:00+08:00"))
    planned = plan_time(s, Category.MARKETING, NOW, Timing(SHANGHAI, policy.quiet_hours), policy)
    assert planned.due_at == dt("2026-11-29T23:00:00+08:00")
    assert planned.deferred == (ReasonCode.BLACKOUT_DEFERRED, ReasonCode.QUIET_HOURS_DEFERRED)


def test_a_send_deferred_past_expiry_is_expired() -> None:
    s = Schedule(
        expires_at=dt("2026-11-27T23:30:00+08:00"), send_at=dt("2026-11-27T23:00:00+08:00")
    )
    planned = plan_time(s, Category.MARKETING, NOW, Timing(SHANGHAI, NIGHT), TenantPolicy())
    assert planned.expired


def test_optimisation_picks_the_best_hour_inside_the_window_only() -> None:
    base = dt("2026-11-27T04:10:00+00:00")
    assert optimised(base, dt("2026-11-28T04:00:00+00:00"), 19) == dt("2026-11-27T19:00:00+00:00")
    assert optimised(base, dt("2026-11-27T10:00:00+00:00"), 19) == base
    assert optimised(base, dt("2026-11-28T04:10:00+00:00"), 2) == dt("2026-11-28T02:00:00+00:00")
    assert optimised(base, dt("2026-11-28T04:00:00+00:00"), 4) == base


def test_unknown_or_missing_zone_falls_back_to_the_tenant_default() -> None:
    assert zone_or("Mars/Olympus", "Asia/Shanghai") == SHANGHAI
    assert zone_or(None, "Europe/Berlin") == BERLIN


def test_a_recipients_own_zone_and_quiet_hours_override_the_tenants() -> None:
    policy = TenantPolicy(timezone="Europe/Berlin", quiet_hours=NIGHT)
    own = QuietHours(start="11:00", end="13:30")
    assert timing_for("Asia/Shanghai", own, policy) == Timing(SHANGHAI, own)
    assert timing_for(None, None, policy, 19) == Timing(BERLIN, NIGHT, 19)
    assert timing_for("Mars/Olympus", None, TenantPolicy()) == Timing(ZoneInfo("UTC"), None)
