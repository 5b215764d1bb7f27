"""Which timers share a batch row (pure grouping, before any SQL)."""

from datetime import UTC, datetime, timedelta

from herald.scheduler.adapters.postgres.batches import BATCH_IDS, grouped
from herald.scheduler.domain.model import Timer

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)


def timer(i: int, **over: object) -> Timer:
    fields: dict[str, object] = {
        "delivery_id": f"d-{i}",
        "tenant": "acme",
        "request_id": "r",
        "recipient_id": f"u-{i}",
        "due_at": NOW,
        "expires_at": None,
        "priority": 1,
        "lane": "app_push",
    } | over
    return Timer(**fields)  # type: ignore[arg-type]


def test_a_chunk_due_at_once_on_one_lane_is_one_row() -> None:
    [(_, row)] = grouped([timer(i) for i in range(10)])
    assert [t.delivery_id for t in row] == [f"d-{i}" for i in range(10)]


def test_sends_apart_in_time_lane_or_deferral_are_rows_apart() -> None:
    rows = grouped(
        [
            timer(0),
            timer(1, due_at=NOW + timedelta(hours=1)),
            timer(2, lane="sms"),
            timer(3, deferred=("quiet_hours_deferred",)),
            timer(4),
        ]
    )
    assert [[t.delivery_id for t in ts] for _, ts in rows] == [
        ["d-0", "d-4"],
        ["d-1"],
        ["d-2"],
        ["d-3"],
    ]


def test_a_row_holds_at_most_batch_ids_sends() -> None:
    rows = grouped([timer(i) for i in range(BATCH_IDS + 1)])
    assert [len(ts) for _, ts in rows] == [BATCH_IDS, 1]
