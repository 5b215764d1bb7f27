"""Where a link leads must not be personalised: a placeholder may sit in a URL's path,
query or fragment, never in its scheme, user or host. A host decided per recipient (or
per label) is a link no reviewer saw.

The check reads a template with every placeholder written as a marker made of letters,
finds the links in it the way review will (`herald.policy.urls_in`; HTML `href` and
`src` values too) and refuses a marker before the end of a link's authority. Pure."""

import re
from html.parser import HTMLParser

from herald.contracts.personalisation import Kind
from herald.contracts.placeholders import Template
from herald.policy import urls_in

_MARK = "zqplaceholderqz"
_AUTHORITY_ENDS = "/?#"
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{0,31}://")


def _marker(template: Template) -> str:
    mark = _MARK
    while any(isinstance(p, str) and mark in p for p in template.parts):
        mark += "z"
    return mark


def _marked(template: Template, mark: str) -> str:
    return "".join(p if isinstance(p, str) else mark for p in template.parts)


def authority_end(url: str) -> int:
    """Where a URL's scheme, user and host end: at the first `/`, `?` or `#` after `//`
    (after `scheme://`, or at the start); a URL with neither is all authority, as a
    bare `evil.example` or `https:\\\\evil.example` would be to a browser."""
    scheme = _SCHEME.match(url)
    start = scheme.end() if scheme else (2 if url.startswith("//") else 0)
    ends = [i for i in (url.find(c, start) for c in _AUTHORITY_ENDS) if i >= 0]
    return min(ends) if ends else len(url)


def _relative(value: str) -> bool:
    """An HTML link that stays on the page's own host (`/x`, `?q`, `#top`)."""
    return value.startswith(("?", "#")) or (value.startswith("/") and not value.startswith("//"))


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.values: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.values += [v.strip() for n, v in attrs if n in ("href", "src") and v]


def _html_links(html: str) -> list[str]:
    parser = _Links()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:  # Python 3.11 on a malformed `<![`: read it as text
        parser = _Links()
        parser.feed(html.replace("<!", "&lt;!"))
        parser.close()
    return [v for v in parser.values if not _relative(v)]


def personalised_host(template: Template, kind: Kind) -> str | None:
    """The first link of the text whose scheme, user or host a placeholder decides,
    written with `{…}` where the placeholder is; None if there is none."""
    if template.is_plain:
        return None
    mark = _marker(template)
    text = _marked(template, mark)
    links = [text] if kind == Kind.URL else urls_in(text)
    if kind == Kind.HTML:
        links += _html_links(text)
    for url in links:
        if mark in url[: authority_end(url)]:
            return url.replace(mark, "{…}")[:200]
    return None
