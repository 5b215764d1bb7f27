"""The Postgres adapter of every scheduler port: all of the scheduler's SQL is in this
package (schema `scheduler`; migrations in `herald/scheduler/migrations`)."""

from dataclasses import dataclass
from pathlib import Path

from herald.runtime.db import Database
from herald.scheduler.adapters.postgres.audience import PostgresAudience
from herald.scheduler.adapters.postgres.engagement import PostgresEngagement
from herald.scheduler.adapters.postgres.plans import PostgresPlans
from herald.scheduler.adapters.postgres.recipients import PostgresRecipients
from herald.scheduler.adapters.postgres.timers import PostgresTimers

MIGRATIONS = Path(__file__).parents[2] / "migrations"


# deliberate declaration: the scheduler's ports on Postgres, one field each
@dataclass(frozen=True, slots=True)
class PostgresStores:
    recipients: PostgresRecipients
    audience: PostgresAudience
    plans: PostgresPlans
    timers: PostgresTimers
    engagement: PostgresEngagement


def postgres_stores(db: Database) -> PostgresStores:
    """Every port on one database (connected when the service starts)."""
    return PostgresStores(
        PostgresRecipients(db),
        PostgresAudience(db),
        PostgresPlans(db),
        PostgresTimers(db),
        PostgresEngagement(db),
    )
