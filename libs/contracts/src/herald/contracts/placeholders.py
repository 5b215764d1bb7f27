"""Personalisation placeholders: the only template language Herald renders.

A text may contain `{{ field }}` or `{{ field | filter | filter }}` and nothing else of
the sort. Fields are the recipient's id, locale and attributes, the request's labels,
its id and tenant (`FIXED_FIELDS`, `FIELD_PREFIXES`); filters only change letter case
or trim (`FILTERS`). There are no literals, operators, calls, slicing, conditions,
loops, blocks or comments: every `{{`, `{%` or `{#` in a text must open a well-formed
placeholder, or the text is refused. So what review reads is everything a message can
say except the values of its placeholders, and those are judged on their own (labels
and template values by review, recipient fields by the dispatcher's check at send
time). Rendering cannot build more text than the template plus its values (`render`
takes a limit as well), so no template can be made to explode.

The scanner is linear in the text: it finds each opener with `str.find`, searching again
for an opener only once the scan has passed where it was last found (searching for all
three after every placeholder would read the rest of the text once per placeholder),
and reads a placeholder of at most `MAX_PLACEHOLDER` characters.
"""

import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass

OPENERS = ("{{", "{%", "{#")
MAX_PLACEHOLDER = 200
"""Longest `{{ ... }}` accepted, braces included."""
FIXED_FIELDS = frozenset({"recipient.id", "recipient.locale", "request_id", "tenant"})
FIELD_PREFIXES = ("labels.", "recipient.attributes.", "values.")
"""`labels.<key>`: a label of the request; `recipient.attributes.<key>`: one of the
recipient's attributes; `values.<key>`: a value the request supplies for a stored
template."""
FILTERS: dict[str, Callable[[str], str]] = {
    "upper": str.upper,
    "lower": str.lower,
    "title": str.title,
    "capitalize": str.capitalize,
    "trim": str.strip,
}
_KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
MAX_KEY = 64


class TemplateError(ValueError):
    """A text that is not plain text with well-formed placeholders."""

    def __init__(self, offset: int, message: str) -> None:
        super().__init__(f"at character {offset}: {message}")
        self.offset = offset
        self.reason = message


@dataclass(frozen=True, slots=True)
class Placeholder:
    field: str
    filters: tuple[str, ...] = ()

    def apply(self, value: str) -> str:
        for name in self.filters:
            value = FILTERS[name](value)
        return value


Part = str | Placeholder


@dataclass(frozen=True, slots=True)
class Template:
    parts: tuple[Part, ...]

    @property
    def fields(self) -> frozenset[str]:
        return frozenset(p.field for p in self.parts if isinstance(p, Placeholder))

    @property
    def is_plain(self) -> bool:
        return all(isinstance(p, str) for p in self.parts)

    def render(self, values: Mapping[str, str], limit: int | None = None) -> str:
        """Substitute `values` (a missing field renders as nothing). Raises `RenderTooLongError`
        when the result would pass `limit` characters."""
        out: list[str] = []
        size = 0
        for p in self.parts:
            piece = p if isinstance(p, str) else p.apply(values.get(p.field, ""))
            size += len(piece)
            if limit is not None and size > limit:
                raise RenderTooLongError(limit)
            out.append(piece)
        return "".join(out)

    def skeleton(self, marker: str = "\u2026") -> str:
        """The text with every placeholder shown as `marker`: what review reads of the
        parts no request value decides."""
        return "".join(p if isinstance(p, str) else marker for p in self.parts)


class RenderTooLongError(ValueError):
    def __init__(self, limit: int) -> None:
        super().__init__(f"the rendered text is longer than {limit} characters")
        self.limit = limit


def known_field(field: str) -> bool:
    if field in FIXED_FIELDS:
        return True
    for prefix in FIELD_PREFIXES:
        if field.startswith(prefix):
            key = field[len(prefix) :]
            return 0 < len(key) <= MAX_KEY and all(c in _KEY_CHARS for c in key)
    return False


class _Openers:
    """Where the next `{{`, `{%` and `{#` are, each searched for again only when passed."""

    def __init__(self, text: str) -> None:
        self._text = text
        self._at = [text.find(o) for o in OPENERS]

    def next(self, start: int) -> int:
        for i, at in enumerate(self._at):
            if 0 <= at < start:
                self._at[i] = self._text.find(OPENERS[i], start)
        found = [at for at in self._at if at >= 0]
        return min(found) if found else -1


def _placeholder(inner: str, offset: int) -> Placeholder:
    pieces = [p.strip() for p in inner.split("|")]
    field, filters = pieces[0], tuple(pieces[1:])
    if not field:
        raise TemplateError(offset, "an empty placeholder")
    if not known_field(field):
        raise TemplateError(
            offset,
            f"'{field[:60]}' is not a field a template may use (recipient.id, "
            "recipient.locale, recipient.attributes.<key>, labels.<key>, values.<key>, "
            "request_id, tenant); expressions, literals and calls are not allowed",
        )
    for name in filters:
        if name not in FILTERS:
            raise TemplateError(
                offset, f"unknown filter '{name[:40]}' (allowed: {', '.join(sorted(FILTERS))})"
            )
    return Placeholder(field, filters)


def scan(text: str) -> Template:
    """Plain text and placeholders, or `TemplateError` naming where and why (uncached:
    for callers that read each text once, such as intake and review)."""
    parts: list[Part] = []
    pos = 0
    openers = _Openers(text)
    while (at := openers.next(pos)) >= 0:
        opener = text[at : at + 2]
        if opener != "{{":
            kind = "blocks" if opener == "{%" else "comments"
            raise TemplateError(at, f"template {kind} ('{opener}') are not allowed")
        end = text.find("}}", at + 2, at + MAX_PLACEHOLDER)
        if end < 0:
            raise TemplateError(
                at, f"'{{{{' is not closed by '}}}}' within {MAX_PLACEHOLDER} characters"
            )
        if at > pos:
            parts.append(text[pos:at])
        parts.append(_placeholder(text[at + 2 : end], at))
        pos = end + 2
    if pos < len(text):
        parts.append(text[pos:])
    return Template(tuple(parts))


parse = functools.lru_cache(maxsize=128)(scan)
"""`scan`, remembered: the dispatcher parses a request's texts again for each of its sends.
(The cache holds up to 128 texts of up to 200,000 characters: callers that see each
text once use `scan`.)"""


def check(text: str) -> TemplateError | None:
    try:
        scan(text)
    except TemplateError as exc:
        return exc
    return None


def render(text: str, values: Mapping[str, str], limit: int | None = None) -> str:
    return parse(text).render(values, limit)
