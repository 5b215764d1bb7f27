"""What a rule yields (a Finding) and what rules read (the Pieces of a request's content)."""

from dataclasses import dataclass
from enum import StrEnum

from herald.contracts import PushRequest, ReasonCode


class Severity(StrEnum):
    BLOCK = "block"
    HOLD = "hold"
    NOTE = "note"


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    code: ReasonCode
    severity: Severity
    field: str
    evidence: str
    message: str
    category: str = ""
    entries: tuple[str, ...] = ()
    """What fired: the dictionary entries (`百家乐`, `百家乐 (pinyin)`), or the link
    check (`ip_host`), so an operator can tune exactly that."""


class Kind(StrEnum):
    PLAIN = "plain"
    HTML = "html"
    URL = "url"


@dataclass(frozen=True, slots=True)
class Piece:
    """One text the push carries, where it sits in the request, and how to read it."""

    field: str
    text: str
    kind: Kind = Kind.PLAIN


def pieces(request: PushRequest) -> list[Piece]:
    """Every text a recipient could see or follow: titles, bodies, variants, links, media."""
    c = request.content
    found = [Piece("content.title", c.title), Piece("content.body", c.body)]
    if c.url:
        found.append(Piece("content.url", c.url, Kind.URL))
    found += [Piece(f"content.media[{i}].url", str(m.url), Kind.URL) for i, m in enumerate(c.media)]
    if c.source and c.source.author:
        found.append(Piece("content.source.author", c.source.author))
    for channel, v in c.variants.items():
        at = f"content.variants.{channel}"
        found += [
            Piece(f"{at}.{name}", text)
            for name, text in (("title", v.title), ("subject", v.subject), ("body", v.body))
            if text
        ]
        if v.html:
            found.append(Piece(f"{at}.html", v.html, Kind.HTML))
    return found
