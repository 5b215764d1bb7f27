"""One-lane processes (issue 21, item 1): `LANES=critical` runs a scheduler or a
dispatcher that serves only the critical lane, `LANES=bulk` the one beside it; the
default serves both. Each app is built as its composition root builds it (nothing
connects) and what it would run is read: consumer groups, background loops, routes."""

from typing import Any

import pytest

from herald.contracts import Topic
from herald.dispatcher.manifest import MANIFEST as DISPATCHER
from herald.runtime.manifest import Consumes
from herald.scheduler.lanes import wiring
from herald.scheduler.manifest import MANIFEST as SCHEDULER
from tests.support.apps import Built, build

APPROVED = Topic.APPROVED
CRITICAL_PLANNING = Consumes("herald-scheduler-critical", APPROVED)
BULK_PLANNING = Consumes("herald-scheduler", APPROVED)
CRITICAL_SENDS = Consumes("herald-dispatcher-critical", Topic.SENDS_CRITICAL)
BULK_SENDS = Consumes("herald-dispatcher", Topic.SENDS)


def loops(built: Built) -> set[str]:
    return {name for name, _ in built.runtime.loops}


def api_paths(built: Built) -> set[str]:
    """The service's API (every process serves the ops endpoints besides)."""
    return set(built.app.openapi()["paths"])


def scheduler(**settings: Any) -> Built:
    return build(SCHEDULER, **settings)


def dispatcher(**settings: Any) -> Built:
    return build(DISPATCHER, **settings)


def test_a_critical_only_scheduler_plans_and_releases_critical_pushes_and_nothing_else() -> None:
    built = scheduler(lanes="critical")
    assert built.subscriptions == [CRITICAL_PLANNING]
    assert loops(built) <= {
        "timers",
        "producers",
        "loop_lag",
    }  # no gauges, no pruning: reported once
    assert api_paths(built) == set()


def test_the_bulk_scheduler_beside_it_does_everything_but_the_critical_lane() -> None:
    default, bulk = scheduler(), scheduler(lanes="bulk")
    assert set(bulk.subscriptions) == set(default.subscriptions) - {CRITICAL_PLANNING}
    assert BULK_PLANNING in bulk.subscriptions
    assert loops(bulk) == loops(default) >= {"timers", "gauges", "prune"}
    assert api_paths(bulk) == api_paths(default) != set()


def test_by_default_one_scheduler_serves_both_lanes() -> None:
    assert {CRITICAL_PLANNING, BULK_PLANNING} <= set(scheduler().subscriptions)


@pytest.mark.parametrize(
    ("lanes", "workers", "critical_workers", "expected"),
    [
        ("all", 3, 1, (False, False, False, True)),
        ("all", 2, 0, (None, None)),  # every loop takes every lane
        ("bulk", 3, 1, (False, False, False)),  # never claims a critical lane
        ("bulk", 3, 0, (False, False, False)),
        ("critical", 3, 2, (True, True)),
        ("critical", 3, 0, (True,)),  # a critical-only process always releases
    ],
)
def test_release_loops_take_the_lanes_their_process_serves(
    lanes: Any, workers: int, critical_workers: int, expected: tuple[bool | None, ...]
) -> None:
    assert wiring(lanes, workers, critical_workers).release_loops == expected


def test_a_critical_only_dispatcher_reads_only_the_critical_topic_and_serves_no_api() -> None:
    built = dispatcher(lanes="critical", send_consumers=4)
    assert built.subscriptions == [CRITICAL_SENDS]
    assert api_paths(built) == set()
    assert "retries" in loops(built)  # its own lane's parked sends: a retry keeps its lane


def test_the_bulk_dispatcher_beside_it_never_reads_the_critical_topic() -> None:
    default, bulk = dispatcher(), dispatcher(lanes="bulk", critical_send_consumers=2)
    assert set(bulk.subscriptions) == set(default.subscriptions) - {CRITICAL_SENDS}
    assert BULK_SENDS in bulk.subscriptions
    assert api_paths(bulk) == api_paths(default) != set()
    assert "retries" in loops(bulk)  # the bulk lane's parked sends resume here


def test_by_default_one_dispatcher_serves_both_lanes() -> None:
    assert {CRITICAL_SENDS, BULK_SENDS} <= set(dispatcher().subscriptions)
