"""What the rules read, worked out once per request.

Every rule reads the same texts; a Reading holds them in each form a rule needs, so
that none is built twice: the pieces (`texts`), what a recipient reads (`words`: the
email HTML as its visible text), the plain ones joined by NUL (`joined`: one pass of the
term matcher sees the whole request, and a NUL is a barrier no term spans), their fold
(`folded`, see normalize) and its marks: every rule reads them, so they are plain
attributes, not properties (a property is a Python call on every read).
"""

from bisect import bisect_right
from html.parser import HTMLParser
from itertools import accumulate

from herald.contracts import Category, Channel, Content, PushRequest
from herald.review.engine.findings import HTML, PLAIN, URL, Piece, content_pieces
from herald.review.engine.html_parse import parsed
from herald.review.engine.normalize import Folded, fold
from herald.review.engine.terms import Hit, Marked, TermMatcher

_NUMBER = b"d" * 11
"""Eleven digits in a row in the folded text (separators are folded away): the least
that a mobile number, an ID number or a bank card number takes."""


class _TextOf(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.parts += [v for k, v in attrs if k in ("alt", "title") and v]


def visible_text(html: str) -> str:
    return "\n".join(parsed(_TextOf, html).parts)


def readable(texts: list[Piece]) -> list[Piece]:
    """What a recipient reads: the email HTML becomes its visible text."""
    return [Piece(p.field, visible_text(p.text), PLAIN) if p.kind is HTML else p for p in texts]


class Reading:
    __slots__ = (
        "_scan",
        "_starts",
        "category",
        "channels",
        "content",
        "folded",
        "joined",
        "marks",
        "may_hold_markup",
        "plain",
        "request",
        "tenant",
        "texts",
        "words",
    )  # fmt: skip

    # deliberate declaration: __slots__ and the constructor that fills them
    def __init__(self, request: PushRequest) -> None:
        self.request = request
        fields = request.__dict__  # one slow read of the model, not one per field (see pieces)
        self.category: Category = fields["category"]
        self.tenant: str = fields["tenant"]
        self.channels: tuple[Channel, ...] = fields["channels"]
        self.content: Content = fields["content"]
        self.texts = texts = content_pieces(self.content)
        kinds = [p.kind for p in texts]
        self.words = readable(texts) if HTML in kinds else texts
        self.plain = [p for p in self.words if p.kind is not URL] if URL in kinds else self.words
        self.joined = "\0".join([p.text for p in self.plain])
        if self.joined.count("\0") >= len(self.plain):  # a text of its own holds a NUL
            self.plain = [Piece(p.field, p.text.replace("\0", ""), PLAIN) for p in self.plain]
            self.joined = "\0".join([p.text for p in self.plain])
        self.may_hold_markup = HTML in kinds or "<" in self.joined
        """False when no rule of markup can fire: no email HTML, no `<` in a plain text."""
        self._starts: list[int] | None = None
        self.folded: Folded = fold(self.joined)
        self.marks = self.folded.original_marks
        """The marks of `joined` (see fold_tables.mark_table)."""
        self._scan: tuple[TermMatcher, list[Hit], list[Marked]] | None = None

    @property
    def starts(self) -> list[int]:
        """Where each plain piece begins in `joined`."""
        if self._starts is None:
            self._starts = list(accumulate((len(p.text) + 1 for p in self.plain), initial=0))
        return self._starts

    def scan(self, matcher: TermMatcher) -> tuple[list[Hit], list[Marked]]:
        """The matcher's hits and repost markers in the joined texts (one pass, which
        the term rule and the source rule share)."""
        if self._scan is None or self._scan[0] is not matcher:
            hits, marked = matcher.scan(self.folded)
            self._scan = (matcher, hits, marked)
        return self._scan[1], self._scan[2]

    def piece_at(self, offset: int) -> int:
        """The index (in `plain`) of the piece holding this offset of `joined`."""
        return bisect_right(self.starts, offset) - 1

    def may_hold_personal_data(self) -> bool:
        """False when no text has eleven digits or an `@`: then no rule of personal
        data can fire, and none need read the texts."""
        return "@" in self.joined or self.folded.marks.find(_NUMBER) >= 0  # see sounds.initials
