"""Which pushes take the critical lane: one rule every stage asks."""

import pytest

from herald.contracts import Category, Priority, Topic
from herald.contracts.critical import is_critical, sends_topic, urgency


@pytest.mark.parametrize("category", [Category.ALERT, Category.TRANSACTIONAL])
@pytest.mark.parametrize("priority", list(Priority))
def test_alerts_and_one_time_codes_are_critical_whatever_their_priority(
    category: Category, priority: Priority
) -> None:
    assert is_critical(category, priority)
    assert sends_topic(category, priority) is Topic.SENDS_CRITICAL


@pytest.mark.parametrize("category", [Category.MARKETING, Category.NOTIFICATION])
def test_only_an_explicit_critical_priority_makes_other_categories_critical(
    category: Category,
) -> None:
    assert is_critical(category, Priority.CRITICAL)
    for priority in (Priority.LOW, Priority.NORMAL, Priority.HIGH):
        assert not is_critical(category, priority)
        assert sends_topic(category, priority) is Topic.SENDS


def test_the_critical_sends_topic_is_internal_and_versioned() -> None:
    assert Topic.SENDS_CRITICAL == "push.sends_critical.v1"
    assert not Topic.SENDS_CRITICAL.is_public


def test_urgency_puts_the_critical_lane_first_then_priority_and_keeps_arrival_order() -> None:
    arrived = [
        ("blast-1", Category.MARKETING, Priority.NORMAL),
        ("news", Category.NOTIFICATION, Priority.HIGH),
        ("blast-2", Category.MARKETING, Priority.NORMAL),
        ("otp", Category.TRANSACTIONAL, Priority.LOW),
        ("breach", Category.ALERT, Priority.CRITICAL),
    ]
    ordered = sorted(arrived, key=lambda a: urgency(a[1], a[2]))
    assert [a[0] for a in ordered] == ["breach", "otp", "news", "blast-1", "blast-2"]
