"""Markup: HTML or script in plain-text fields, and unsafe HTML in the email variant.

nh3 (ammonia) is the judge: the email HTML is cleaned with a policy that keeps safe,
presentational markup, and whatever the cleaner had to remove is the finding. Both
versions are read with the standard library's HTML parser to name what was removed.
"""

from collections import Counter
from html.parser import HTMLParser

import nh3

from herald.contracts import ReasonCode
from herald.review.engine.findings import HTML, PLAIN, URL, Finding, Piece, Severity
from herald.review.engine.html_parse import parsed

_PRESENTATION = {
    "style",
    "class",
    "align",
    "valign",
    "width",
    "height",
    "bgcolor",
    "border",
    "cellpadding",
    "cellspacing",
    "color",
    "dir",
    "lang",
    "title",
    "id",
    "alt",
    "src",
    "href",
    "colspan",
    "rowspan",
    "face",
    "size",
}
_TAGS = nh3.ALLOWED_TAGS | {"font"}
_DOCUMENT = frozenset({"html", "head", "body", "title"})
"""A whole document's wrapping tags: the fragment cleaner drops them, harmlessly."""
_CLEANER = nh3.Cleaner(
    tags=_TAGS,
    clean_content_tags={"script", "style"},
    attributes={"*": _PRESENTATION},
    url_schemes={"https", "http", "mailto", "tel"},
    link_rel=None,
    strip_comments=False,
)
_DANGEROUS_TAGS = frozenset(
    {
        "script",
        "iframe",
        "object",
        "embed",
        "form",
        "input",
        "button",
        "meta",
        "link",
        "base",
        "frame",
        "frameset",
        "applet",
        "svg",
        "math",
        "textarea",
        "select",
    }
)
_CSS_DANGER = ("expression(", "javascript:", "behavior:", "-moz-binding", "vbscript:")


class _Inventory(HTMLParser):
    """Tags, attributes and links of a fragment (a parser, never a regex)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: Counter[str] = Counter()
        self.attrs: Counter[tuple[str, str]] = Counter()
        self.links: list[str] = []
        self.css_danger: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        for name, value in attrs:
            self.attrs[(tag, name)] += 1
            if name in ("href", "src") and value:
                self.links.append(value.strip())
            if name == "style" and value and any(d in value.lower() for d in _CSS_DANGER):
                self.css_danger.append(value[:200])


def _inventory(html: str) -> _Inventory:
    return parsed(_Inventory, html)


def html_links(html: str) -> list[str]:
    return _inventory(html).links


def _removed(html: str) -> tuple[set[str], set[str], list[str]]:
    before, after = _inventory(html), _inventory(_CLEANER.clean(html))
    tags = {t for t, n in before.tags.items() if after.tags[t] < n and t not in _DOCUMENT}
    attrs = {f"{t}[{a}]" for (t, a), n in before.attrs.items() if after.attrs[(t, a)] < n}
    return tags, attrs, before.css_danger


def _is_dangerous(tags: set[str], attrs: set[str], css: list[str]) -> bool:
    handlers = any("[on" in a for a in attrs)
    return bool(tags & _DANGEROUS_TAGS) or handlers or bool(css)


def unsafe_html(piece: Piece) -> Finding | None:
    tags, attrs, css = _removed(piece.text)
    dropped_links = any(a.endswith(("[href]", "[src]")) for a in attrs)
    if not (tags or attrs or css):
        return None
    dangerous = _is_dangerous(tags, attrs, css) or dropped_links
    what = sorted(tags) + sorted(attrs) + (["style with script"] if css else [])
    return Finding(
        "markup",
        ReasonCode.UNSAFE_MARKUP,
        Severity.BLOCK if dangerous else Severity.NOTE,
        piece.field,
        ", ".join(what)[:300],
        "the sanitiser removed " + ("unsafe" if dangerous else "unsupported") + " markup",
    )


def markup_in_plain_text(piece: Piece) -> Finding | None:
    if "<" not in piece.text or not nh3.is_html(piece.text):
        return None
    inv = _inventory(piece.text)
    if not inv.tags:
        return None
    attrs = {f"{t}[{a}]" for t, a in inv.attrs}
    dangerous = _is_dangerous(set(inv.tags), attrs, inv.css_danger)
    return Finding(
        "markup",
        ReasonCode.UNSAFE_MARKUP,
        Severity.BLOCK if dangerous else Severity.HOLD,
        piece.field,
        ", ".join(sorted(inv.tags))[:300],
        "HTML " + ("with script " if dangerous else "") + "in a plain-text field",
    )


def unsafe_markup(texts: list[Piece]) -> list[Finding]:
    found = []
    for piece in texts:
        if piece.kind is URL or (piece.kind is PLAIN and "<" not in piece.text):
            continue
        judge = unsafe_html if piece.kind is HTML else markup_in_plain_text
        finding = judge(piece)
        if finding is not None:
            found.append(finding)
    return found
