"""Tenant policies: time zone and quiet-hours defaults, blackout calendar, caps and rates.

Read from a JSON file or an environment variable at start-up (see the service README);
a tenant without its own entry gets `default`.
"""

import functools
from datetime import date, timedelta
from typing import Annotated

import holidays
from pydantic import BaseModel, ConfigDict, Field

from herald.contracts import Category, Channel, QuietHours
from herald.scheduler.domain.pacing import channel_of, is_critical_lane


class Rule(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class CapRule(Rule):
    per_day: Annotated[int, Field(ge=1)] | None = None
    """At most this many sends per calendar day in the recipient's time zone."""
    min_gap_minutes: Annotated[int, Field(ge=1)] | None = None
    """At least this long between two sends."""

    @property
    def min_gap(self) -> timedelta | None:
        return timedelta(minutes=self.min_gap_minutes) if self.min_gap_minutes else None


class Caps(Rule):
    all: CapRule | None = None
    """Across every channel."""
    channels: dict[Channel, CapRule] = Field(default_factory=dict)
    """Per channel: a capped channel is skipped in favour of the next one the request allows."""
    categories: tuple[Category, ...] = (Category.MARKETING,)


class Blackout(Rule):
    dates: tuple[date, ...] = ()
    ranges: tuple[tuple[date, date], ...] = ()
    """Inclusive [first, last] ranges."""
    holidays_country: str | None = None
    """ISO country code whose public holidays are blackout days (the `holidays` library)."""
    holidays_subdiv: str | None = None
    categories: tuple[Category, ...] = (Category.MARKETING,)

    def blocks(self, day: date) -> bool:
        if day in self.dates or any(a <= day <= b for a, b in self.ranges):
            return True
        if self.holidays_country:
            return day in _holidays(self.holidays_country, self.holidays_subdiv, day.year)
        return False


@functools.lru_cache(maxsize=64)
def _holidays(country: str, subdiv: str | None, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(country, subdiv=subdiv, years=year)


class TenantPolicy(Rule):
    timezone: str = "UTC"
    """For recipients without a (valid) time zone of their own."""
    quiet_hours: QuietHours | None = None
    """Default quiet hours; a recipient's own override these."""
    held_categories: tuple[Category, ...] = (Category.MARKETING,)
    """Categories quiet hours hold back (transactional and alert never are)."""
    blackout: Blackout = Field(default_factory=Blackout)
    caps: Caps = Field(default_factory=Caps)
    rates: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    """Sends per second, per channel name or `default`; absent means unpaced."""
    critical_rates: dict[str, Annotated[float, Field(gt=0)]] = Field(default_factory=dict)
    """The critical lanes' own budget (`domain.pacing.lane_for`), per channel name or
    `default`; absent means unpaced. `rates` never applies to them."""
    optimise_days: Annotated[int, Field(ge=1, le=365)] = 30
    """How far back engagement counts for send-time optimisation (engagement is kept at
    least this long: `ENGAGEMENT_KEEP_DAYS` is only the floor)."""
    optimise_half_life_days: Annotated[float, Field(gt=0, le=365)] = 7.0
    """An engagement event this old weighs half as much as one today."""
    optimise_min_events: Annotated[int, Field(ge=1, le=1000)] = 3
    """Engaged events in the window a recipient needs before their send is moved."""

    def rate(self, lane: str) -> float | None:
        """A lane's rate: a channel's from `rates`, a critical lane's from `critical_rates`."""
        rates = self.critical_rates if is_critical_lane(lane) else self.rates
        return rates.get(channel_of(lane), rates.get("default"))

    def holds(self, category: Category) -> bool:
        never = (Category.TRANSACTIONAL, Category.ALERT)
        return category in self.held_categories and category not in never


class Policies(Rule):
    default: TenantPolicy = Field(default_factory=TenantPolicy)
    tenants: dict[str, TenantPolicy] = Field(default_factory=dict)

    def of(self, tenant: str) -> TenantPolicy:
        return self.tenants.get(tenant, self.default)
