"""Sensitive terms by category, over every plain text and the text of the email HTML."""

from collections.abc import Callable

from herald.contracts import ReasonCode
from herald.review.engine.findings import Finding, Severity
from herald.review.engine.reading import Reading, readable, visible_text
from herald.review.engine.terms import Hit, TermMatcher

__all__ = ["readable", "sensitive_terms", "visible_text"]


def _entry(hit: Hit) -> str:
    return hit.entry.term if hit.how == "exact" else f"{hit.entry.term} ({hit.how})"


def sensitive_terms(
    matcher: TermMatcher, reading: Reading, applies: Callable[[str], bool] = bool
) -> list[Finding]:
    """Terms in what a recipient reads, grouped by category and field.

    The texts are matched joined (see Reading), in one pass, so context cues in the
    title explain a term in the body. `applies(category)` says whether a dictionary
    category judges this request."""
    joined = reading.joined
    grouped: dict[tuple[int, str, Severity], tuple[list[str], list[str]]] = {}
    for hit in reading.scan(matcher)[0]:
        if not applies(hit.entry.category):
            continue
        at = reading.piece_at(hit.start)
        terms, entries = grouped.setdefault((at, hit.entry.category, hit.entry.severity), ([], []))
        quoted = joined[hit.start : hit.end]
        if quoted not in terms:
            terms.append(quoted)
        if _entry(hit) not in entries:
            entries.append(_entry(hit))
    return [
        Finding(
            rule="sensitive_terms",
            code=ReasonCode.SENSITIVE_CONTENT,
            severity=severity,
            field=reading.plain[at].field,
            evidence=", ".join(terms),
            message=f"matched {len(terms)} term{'s' if len(terms) > 1 else ''} "
            f"in category {category}",
            category=category,
            entries=tuple(entries),
        )
        for (at, category, severity), (terms, entries) in grouped.items()
    ]
