"""Pure decisions of the scheduler: who can be reached on what, and when each send goes.

Nothing here does I/O or reads a clock: every function takes the instant it reasons
about, so each rule is tested with fixed times.
"""

from herald.scheduler.domain.reach import (
    PRIORITY_RANK,
    Reach,
    delivery_id,
    drop_contact,
    has_contact,
    reach,
)
from herald.scheduler.domain.timing import Deferred, Planned, Timing, plan_time

__all__ = [
    "PRIORITY_RANK",
    "Deferred",
    "Planned",
    "Reach",
    "Timing",
    "delivery_id",
    "drop_contact",
    "has_contact",
    "plan_time",
    "reach",
]
