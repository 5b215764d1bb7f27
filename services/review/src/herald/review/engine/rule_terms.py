"""Sensitive terms by category, over every plain text and the text of the email HTML."""

from bisect import bisect_right
from collections.abc import Callable
from html.parser import HTMLParser
from itertools import accumulate

from herald.contracts import ReasonCode
from herald.review.engine.findings import Finding, Kind, Piece, Severity
from herald.review.engine.terms import Hit, TermMatcher


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts += [v for k, v in attrs if k in ("alt", "title") and v]


def visible_text(html: str) -> str:
    parser = _TextOf()
    parser.feed(html)
    parser.close()
    return "\n".join(parser.parts)


def readable(texts: list[Piece]) -> list[Piece]:
    """What a recipient reads: the email HTML becomes its visible text."""
    return [Piece(p.field, visible_text(p.text)) if p.kind == Kind.HTML else p for p in texts]


def _entry(hit: Hit) -> str:
    return hit.entry.term if hit.how == "exact" else f"{hit.entry.term} ({hit.how})"


def sensitive_terms(
    matcher: TermMatcher, texts: list[Piece], applies: Callable[[str], bool] = bool
) -> list[Finding]:
    """Terms in the readable texts (see `readable`), grouped by category and field.

    The texts are joined (by NUL, which folding keeps as a barrier no term spans) and
    matched in one pass, so context cues in the title explain a term in the body.
    `applies(category)` says whether a dictionary category judges this request."""
    plain = [p for p in texts if p.kind != Kind.URL]
    joined = "\0".join(p.text.replace("\0", "") for p in plain)
    starts = list(accumulate((len(p.text.replace("\0", "")) + 1 for p in plain), initial=0))
    grouped: dict[tuple[int, str, Severity], tuple[list[str], list[str]]] = {}
    for hit in matcher.find(joined):
        if not applies(hit.entry.category):
            continue
        at = bisect_right(starts, hit.start) - 1
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
            field=plain[at].field,
            evidence=", ".join(terms),
            message=f"matched {len(terms)} term{'s' if len(terms) > 1 else ''} "
            f"in category {category}",
            category=category,
            entries=tuple(entries),
        )
        for (at, category, severity), (terms, entries) in grouped.items()
    ]
