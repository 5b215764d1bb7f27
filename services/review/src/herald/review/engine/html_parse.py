"""HTML fed to the standard library's parser without a malformed declaration failing
the request.

Python 3.11's `html.parser` raises `AssertionError` on `<!` or `<![` followed by
something that is not a name (`a <![ b`, a regular expression quoted in a push): the
engine would fail the whole request instead of judging it. Such a declaration is read
as text instead (`<!` escaped, the HTML parsed again from the start), so every tag after
it is still seen.
"""

from collections.abc import Callable
from html.parser import HTMLParser
from typing import TypeVar

P = TypeVar("P", bound=HTMLParser)


def parsed(make: Callable[[], P], html: str) -> P:
    """A new parser from `make`, fed the whole of `html` and closed."""
    parser = make()
    try:
        parser.feed(html)
        parser.close()
    except AssertionError:
        parser = make()
        parser.feed(html.replace("<!", "&lt;!"))
        parser.close()
    return parser
