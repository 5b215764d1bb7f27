"""Backoff with jitter and Retry-After; the breaker's states; Retry-After parsing."""

from datetime import UTC, datetime

from herald.dispatcher.domain.resilience import Breaker, Circuit, backoff
from herald.dispatcher.providers.base import Result
from herald.dispatcher.providers.http import classify, retry_after


def test_backoff_grows_exponentially_with_jitter_and_stops_at_the_cap() -> None:
    lows = [backoff(n, 1.0, 60.0, rand=lambda: 0.0) for n in range(1, 9)]
    highs = [backoff(n, 1.0, 60.0, rand=lambda: 1.0) for n in range(1, 9)]
    assert lows[:4] == [0.5, 1.0, 2.0, 4.0]
    assert highs[:4] == [1.0, 2.0, 4.0, 8.0]
    assert max(highs) == 60.0


def test_retry_after_is_a_floor_even_beyond_the_cap() -> None:
    assert backoff(1, 1.0, 60.0, retry_after=30, rand=lambda: 0.0) == 30
    assert backoff(1, 1.0, 60.0, retry_after=120, rand=lambda: 0.0) == 120


def test_retry_after_parses_seconds_and_http_dates() -> None:
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert retry_after("7") == 7
    assert retry_after("Fri, 27 Nov 2026 12:00:30 GMT", now) == 30
    assert retry_after("soon") is None
    assert retry_after(None) is None


def test_status_classes() -> None:
    assert [classify(s) for s in (200, 429, 503, 408, 400, 404)] == [
        Result.SENT,
        Result.RETRYABLE,
        Result.RETRYABLE,
        Result.RETRYABLE,
        Result.PERMANENT,
        Result.PERMANENT,
    ]


def test_breaker_open_half_open_closed() -> None:
    t = [0.0]
    changes: list[Circuit] = []
    b = Breaker(3, 10.0, lambda: t[0], changes.append)
    for _ in range(3):
        assert b.allow()
        b.failure()
    assert b.state is Circuit.OPEN
    assert not b.allow()
    t[0] = 10.0
    assert b.state is Circuit.HALF_OPEN
    assert b.allow()
    assert not b.allow()
    b.success()
    assert b.state is Circuit.CLOSED
    assert changes == [
        Circuit.OPEN,
        Circuit.HALF_OPEN,
        Circuit.CLOSED,
    ]


def test_success_resets_the_failure_count() -> None:
    b = Breaker(2, 10.0, lambda: 0.0)
    b.failure()
    b.success()
    b.failure()
    assert b.state is Circuit.CLOSED
