"""Span bookkeeping for the matcher, in O(n log n): which hits lie inside an allowed
phrase, and which lie inside a longer hit of their own category."""

from bisect import bisect_right
from collections import defaultdict
from itertools import accumulate
from typing import TypeVar

Hit = TypeVar("Hit", bound=tuple)  # type: ignore[type-arg]


class Allowed:
    """Allowed phrases' spans (folded, end inclusive), asked whether they cover a span."""

    def __init__(self, spans: list[tuple[int, int]]) -> None:
        ordered = sorted(spans)
        self._starts = [s for s, _ in ordered]
        self._reach = list(accumulate((e for _, e in ordered), max))

    def covers(self, start: int, end: int) -> bool:
        if not self._starts:
            return False
        at = bisect_right(self._starts, start) - 1
        return at >= 0 and self._reach[at] >= end


def outermost(hits: list[tuple[int, int, str, bool]]) -> list[int]:
    """Indices of the hits not strictly inside a longer non-pair hit of their category.

    Each hit is (start, end, category, is_pair); a pair never hides a term (its span
    is only where its verb and thing are)."""
    by_category: dict[str, list[int]] = defaultdict(list)
    for i, hit in enumerate(hits):
        by_category[hit[2]].append(i)
    kept: list[int] = []
    for indices in by_category.values():
        reach, widest = -1, (-1, -1)
        for i in sorted(indices, key=lambda i: (hits[i][0], -hits[i][1], hits[i][3])):
            start, end, _, pair = hits[i]
            if end <= reach and (start, end) != widest:
                continue
            kept.append(i)
            if not pair and end > reach:
                reach, widest = end, (start, end)
    return sorted(kept)
