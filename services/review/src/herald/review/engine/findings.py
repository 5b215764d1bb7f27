"""What a rule yields (a Finding) and what rules read (the Pieces of a request's content)."""

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from herald.contracts import Content, PushRequest, ReasonCode


# deliberate declaration: the engine's records: an enum and a dataclass's fields
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


PLAIN, HTML, URL = Kind.PLAIN, Kind.HTML, Kind.URL
"""The kinds as plain names: looking a member up on an enum class costs as much as
building a tuple, and every request reads each kind several times."""


class Piece(NamedTuple):
    """One text the push carries, where it sits in the request, and how to read it (a
    tuple: every request makes several, and a frozen dataclass costs five times more)."""

    field: str
    text: str
    kind: Kind = PLAIN


def pieces(request: PushRequest) -> list[Piece]:
    """Every text a recipient could see or follow: titles, bodies, variants, links, media."""
    return content_pieces(request.content)


_new = tuple.__new__
"""How content_pieces makes a Piece: a named tuple's own constructor is a Python function
(a call per piece, twice the cost of the tuple); the tuple's is not."""


def content_pieces(content: Content) -> list[Piece]:
    """The pieces of one request's content. Its fields are read from the model's
    `__dict__`: a contract model defines `__getattr__`, which makes every attribute read
    take the slow path (several times a plain object's), and every request reads these."""
    c = content.__dict__
    found = [
        _new(Piece, ("content.title", c["title"], PLAIN)),
        _new(Piece, ("content.body", c["body"], PLAIN)),
    ]
    if c["url"]:
        found.append(_new(Piece, ("content.url", c["url"], URL)))
    if c["media"]:
        found += [
            Piece(f"content.media[{i}].url", str(m.url), URL) for i, m in enumerate(c["media"])
        ]
    source = c["source"]
    if source and source.author:
        found.append(Piece("content.source.author", source.author))
    for channel, variant in c["variants"].items():
        at, v = f"content.variants.{channel}", variant.__dict__
        found += [
            Piece(f"{at}.{name}", text)
            for name in ("title", "subject", "body")
            if (text := v[name])
        ]
        if v["html"]:
            found.append(Piece(f"{at}.html", v["html"], HTML))
    return found
