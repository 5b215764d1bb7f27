"""Sensitive terms by category, over every plain text and the text of the email HTML."""

from collections import defaultdict
from html.parser import HTMLParser

from herald.contracts import ReasonCode
from herald.review.engine.findings import Finding, Kind, Piece, Severity
from herald.review.engine.terms import TermMatcher


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


def sensitive_terms(matcher: TermMatcher, texts: list[Piece]) -> list[Finding]:
    """Terms in the readable texts (see `readable`), grouped by category and field."""
    found: list[Finding] = []
    for piece in texts:
        if piece.kind == Kind.URL:
            continue
        text = piece.text
        by_category: dict[tuple[str, Severity], list[str]] = defaultdict(list)
        for hit in matcher.find(text):
            quoted = text[hit.start : hit.end]
            key = (hit.entry.category, hit.entry.severity)
            if quoted not in by_category[key]:
                by_category[key].append(quoted)
        found += [
            Finding(
                rule="sensitive_terms",
                code=ReasonCode.SENSITIVE_CONTENT,
                severity=severity,
                field=piece.field,
                evidence=", ".join(terms),
                message=f"matched {len(terms)} term{'s' if len(terms) > 1 else ''} "
                f"in category {category}",
                category=category,
            )
            for (category, severity), terms in by_category.items()
        ]
    return found
