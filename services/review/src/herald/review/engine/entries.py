"""What the dictionaries hold (a TermEntry) and what the matcher finds (a Hit)."""

from dataclasses import dataclass

from herald.review.engine.findings import Severity


@dataclass(frozen=True, slots=True)
class TermEntry:
    term: str
    category: str
    severity: Severity
    tags: frozenset[str] = frozenset()


# deliberate declaration: a dataclass's fields
@dataclass(frozen=True, slots=True)
class Hit:
    entry: TermEntry
    start: int
    end: int
    """Original-text span [start, end)."""
    how: str = "exact"
    """exact, mixed (pinyin and characters), pinyin, initials or homophone."""
