"""When one recipient's send is due: base time, optimisation, quiet hours, blackout, expiry."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from herald.contracts import Category, QuietHours, ReasonCode, Schedule
from herald.scheduler.domain.localtime import at_wall, in_window, window_end, zone_or
from herald.scheduler.domain.policy import TenantPolicy

_UTC = ZoneInfo("UTC")
_MAX_HOLDS = 16  # quiet hours and blackout days alternate at most a few times
DEFAULT_WINDOW = timedelta(hours=24)
"""How far optimisation may move a send when the request sets no `expires_at`."""


@dataclass(frozen=True, slots=True)
class Timing:
    """What the rules need to know about one recipient."""

    zone: ZoneInfo
    quiet: QuietHours | None
    best_hour: int | None = None
    """The local hour (in `zone`) the recipient engages most in (send-time optimisation),
    if there is enough evidence (`domain.besthour`)."""


@dataclass(frozen=True, slots=True)
class Planned:
    due_at: datetime
    deferred: tuple[ReasonCode, ...] = ()
    expired: bool = False


Deferred = tuple[datetime, tuple[ReasonCode, ...]]


def timing_for(
    timezone: str | None,
    quiet: QuietHours | None,
    policy: TenantPolicy,
    best_hour: int | None = None,
) -> Timing:
    """One recipient's timing: their zone and quiet hours, else the tenant's.

    Planning, releasing and the dry run all time a recipient through this one function."""
    return Timing(zone_or(timezone, policy.timezone), quiet or policy.quiet_hours, best_hour)


def base_time(schedule: Schedule | None, now: datetime, zone: ZoneInfo) -> datetime:
    """`send_at` (its wall clock in the recipient's zone if asked), never before now."""
    if schedule is None or schedule.send_at is None:
        return now
    at = schedule.send_at
    if schedule.recipient_local_time:
        wall = at.replace(tzinfo=None)
        at = at_wall(wall.date(), wall.time(), zone)
    return max(at, now)


def optimised(base: datetime, end: datetime, best_hour: int, zone: ZoneInfo = _UTC) -> datetime:
    """The first instant from `base` on inside the best hour of the day in `zone`, if that
    is before `end` (an hour a DST change skips starts when the clock jumps past it)."""
    local = base.astimezone(zone)
    if local.hour == best_hour:
        return base
    candidate = at_wall(local.date(), time(best_hour), zone)
    if candidate < base:
        candidate = at_wall(local.date() + timedelta(days=1), time(best_hour), zone)
    return candidate if candidate < end else base


def next_open_day(blocked: TenantPolicy, at: datetime, zone: ZoneInfo) -> datetime:
    """The same wall time on the next day the blackout calendar allows."""
    local = at.astimezone(zone)
    day = local.date()
    for _ in range(366):
        day = date.fromordinal(day.toordinal() + 1)
        if not blocked.blackout.blocks(day):
            break
    return at_wall(day, local.time().replace(tzinfo=None), zone)


def hold(
    at: datetime, category: Category, timing: Timing, policy: TenantPolicy
) -> tuple[datetime, tuple[ReasonCode, ...]]:
    """Move `at` past blackout days and quiet hours, noting why (marketing by default)."""
    reasons: list[ReasonCode] = []
    blackout = category in policy.blackout.categories and category not in (
        Category.TRANSACTIONAL,
        Category.ALERT,
    )
    quiet = timing.quiet if policy.holds(category) else None
    for _ in range(_MAX_HOLDS):
        if blackout and policy.blackout.blocks(at.astimezone(timing.zone).date()):
            at = next_open_day(policy, at, timing.zone)
            reasons.append(ReasonCode.BLACKOUT_DEFERRED)
        elif quiet is not None and in_window(quiet, at, timing.zone):
            at = window_end(quiet, at, timing.zone)
            reasons.append(ReasonCode.QUIET_HOURS_DEFERRED)
        else:
            break
    return at, tuple(dict.fromkeys(reasons))


def plan_time(
    schedule: Schedule | None,
    category: Category,
    now: datetime,
    timing: Timing,
    policy: TenantPolicy,
) -> Planned:
    base = base_time(schedule, now, timing.zone)
    expires = schedule.expires_at if schedule else None
    if schedule is not None and schedule.optimise and timing.best_hour is not None:
        base = optimised(base, expires or base + DEFAULT_WINDOW, timing.best_hour, timing.zone)
    due, reasons = hold(base, category, timing, policy)
    return Planned(due, reasons, expired=expires is not None and due >= expires)
