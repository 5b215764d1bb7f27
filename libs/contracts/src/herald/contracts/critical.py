"""The critical lane (issue 21, item 1): which pushes jump every queue, and where their
sends travel.

A security alert or a one-time code must not wait behind a marketing blast. Every stage
asks this one function, so they all agree on what "critical" means: the categories the
contract already exempts from quiet hours and caps (`alert`, `transactional`), or a
request that says `priority: critical` whatever its category. `high` stays in the bulk
lane: it goes first there, but does not get capacity reserved for it.
"""

from herald.contracts.push_request import Category, Priority
from herald.contracts.topics import Topic

CRITICAL_CATEGORIES = frozenset({Category.ALERT, Category.TRANSACTIONAL})


def is_critical(category: Category | str, priority: Priority | str) -> bool:
    """Whether a push of this category and priority takes the critical lane."""
    return category in CRITICAL_CATEGORIES or priority == Priority.CRITICAL


def sends_topic(category: Category | str, priority: Priority | str) -> Topic:
    """The internal topic a send of this category and priority is published on."""
    return Topic.SENDS_CRITICAL if is_critical(category, priority) else Topic.SENDS


PRIORITY_ORDER: tuple[Priority, ...] = (
    Priority.CRITICAL,
    Priority.HIGH,
    Priority.NORMAL,
    Priority.LOW,
)
"""Most urgent first."""


def urgency(category: Category | str, priority: Priority | str) -> tuple[int, int]:
    """A sort key, most urgent first: the critical lane, then priority (age breaks ties,
    by the caller: a stable sort keeps arrival order)."""
    rank = PRIORITY_ORDER.index(Priority(priority))
    return (0 if is_critical(category, priority) else 1, rank)
