"""What gets recorded (retention horizon, future clocks) and what a recipients batch erases."""

from datetime import UTC, datetime, timedelta

from herald.tracker.adapters.kafka_lag import lag
from herald.tracker.domain.erasure import RecipientSeen, last_word
from herald.tracker.domain.window import admit, latest_allowed
from herald.tracker.metrics import TrackerMetrics

NOW = datetime(2026, 11, 27, tzinfo=UTC)


def test_events_before_the_horizon_or_too_far_ahead_are_counted_not_kept() -> None:
    times = [NOW - timedelta(days=400), NOW, NOW + timedelta(hours=1), NOW + timedelta(days=3)]
    got = admit(times, lambda t: t, NOW - timedelta(days=395), latest_allowed(NOW, 86_400))
    assert got.kept == [NOW, NOW + timedelta(hours=1)]
    assert (got.too_old, got.future) == (1, 1)
    assert admit(times, lambda t: t, NOW - timedelta(days=395)).future == 0


def test_the_last_message_of_a_recipient_in_a_batch_decides_in_its_tenant() -> None:
    erased, restored = last_word(
        [
            RecipientSeen("acme", "a", True),
            RecipientSeen("acme", "b", True),
            RecipientSeen("acme", "b", False),
            RecipientSeen("acme", "c", False),
            RecipientSeen("acme", "c", True),
            RecipientSeen("globex", "c", False),
        ]
    )
    assert erased == [("acme", "a"), ("acme", "c")]
    assert restored == [("acme", "b"), ("globex", "c")]


def test_consumer_lag_counts_uncommitted_messages_from_the_start() -> None:
    assert lag({"p0": 10, "p1": 5}, {"p0": 7}) == 3 + 5  # type: ignore[dict-item]
    assert lag({"p0": 3}, {"p0": 5}) == 0  # type: ignore[dict-item]


def test_metric_labels_stay_bounded() -> None:
    from prometheus_client import CollectorRegistry

    m = TrackerMetrics(CollectorRegistry(), {"acme"})
    assert (m.tenant("acme"), m.tenant("mallory-123"), m.tenant(None)) == ("acme", "other", "other")
    assert (m.channel("sms"), m.channel(None), m.channel("pigeon")) == ("sms", "none", "other")
