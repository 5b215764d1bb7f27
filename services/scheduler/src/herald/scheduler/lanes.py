"""Which lanes this scheduler process serves (`LANES`), and what that switches on.

One process serves both lanes by default. Operators may run the critical lane in a
process of its own (`LANES=critical`: an event loop, database pool and CPU a marketing
blast's expansion and release do not load) beside the usual one without it
(`LANES=bulk`). A critical-only process plans and releases critical pushes and nothing
else: the directory, contacts, cancels, engagement and outcomes consumers, the timer
gauges, the engagement pruning and the HTTP API stay with the bulk process (the same
consumer groups, so nothing is done twice, and nothing reported twice).
"""

from dataclasses import dataclass
from typing import Literal

Lanes = Literal["all", "bulk", "critical"]


@dataclass(frozen=True)
class LaneWiring:
    """What a process with these `lanes` runs."""

    plans_bulk: bool
    """Consumes push.approved.v1 as `herald-scheduler` (the bulk requests)."""
    plans_critical: bool
    """Consumes it as `herald-scheduler-critical` (the critical requests)."""
    housekeeping: bool
    """Directory, contacts, cancels, engagement and outcomes consumers, gauges, pruning
    and the HTTP API: one copy of each, in the process that is not critical-only."""
    release_loops: tuple[bool | None, ...]
    """Each release loop's lanes: True critical only, False bulk only, None both."""


def wiring(lanes: Lanes, release_workers: int, critical_release_workers: int) -> LaneWiring:
    """The critical-only process runs `critical_release_workers` loops (at least one);
    the bulk-only one `release_workers` loops that never claim a critical lane; one
    process serving both splits its loops as CRITICAL_RELEASE_WORKERS says (0: every
    loop releases every lane)."""
    critical = (True,) * max(1, critical_release_workers)
    if lanes == "critical":
        return LaneWiring(False, True, False, critical)
    if lanes == "bulk":
        return LaneWiring(True, False, True, (False,) * release_workers)
    if critical_release_workers:
        return LaneWiring(True, True, True, (False,) * release_workers + critical)
    return LaneWiring(True, True, True, (None,) * release_workers)
