"""Which status is a request's current one when statuses arrive out of order."""

from datetime import UTC, datetime, timedelta

from herald.contracts import Status, StatusKind
from herald.intake.domain import replaces

T0 = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


def status(kind: str, seconds: float) -> Status:
    at = T0 + timedelta(seconds=seconds)
    return Status(request_id="r-1", tenant="acme", status=StatusKind(kind), at=at)


def test_the_later_status_wins_and_an_older_one_arriving_late_does_not() -> None:
    assert replaces(status("approved", 2), status("pending_review", 1))
    assert not replaces(status("pending_review", 1), status("approved", 2))
    assert replaces(status("dispatching", 3), status("dispatching", 3))  # a tie: the later arrival


def test_a_final_status_outranks_any_other_whatever_the_clocks_say() -> None:
    assert not replaces(status("dispatching", 20), status("completed", 10))
    assert replaces(status("cancelled", 1), status("dispatching", 5))
    assert replaces(status("completed", 12), status("completed", 10))  # counts grow


def test_anything_replaces_no_status() -> None:
    assert replaces(status("accepted", 0), None)
