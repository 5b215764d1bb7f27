"""Which internal topic each released send goes out on (pure).

Critical sends (`herald.contracts.critical`) travel `push.sends_critical.v1`, which the
dispatcher reads in a consumer group of its own: they are never fetched behind a
marketing backlog on `push.sends.v1`.
"""

from collections.abc import Iterable
from typing import Protocol

from herald.contracts import Category, Priority, Topic
from herald.contracts.critical import sends_topic
from herald.contracts.internal import Send


class Routed(Protocol):
    """A send, or a batch of sends of one request: what its topic depends on."""

    @property
    def category(self) -> Category: ...

    @property
    def priority(self) -> Priority: ...


def topic_of(item: Routed) -> Topic:
    """The topic a send (or a batch of one request's sends) is published on."""
    return sends_topic(item.category, item.priority)


def by_lane(sends: Iterable[Send]) -> tuple[list[Send], list[Send]]:
    """The sends for `push.sends_critical.v1`, then the others."""
    critical: list[Send] = []
    bulk: list[Send] = []
    for s in sends:
        (critical if topic_of(s) is Topic.SENDS_CRITICAL else bulk).append(s)
    return critical, bulk
