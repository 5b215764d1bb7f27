"""What a request's values make of a version's content: every `{{ values.<key> }}` is
replaced by its value (filters applied; HTML-escaped in HTML, percent-encoded in links),
and every other placeholder (recipient fields, labels) is kept for the dispatcher.

A value is text that will be sent, so it is checked as text: it may not open a
placeholder of its own (`{{`, `{%`, `{#`), and the request's texts, values in place, go
through intake's and review's rules as any request's. Pure."""

import html as htmllib
from collections.abc import Mapping
from urllib.parse import quote

from herald.contracts import Content, FieldError, Media, Variant
from herald.contracts.personalisation import Kind, texts_of
from herald.contracts.placeholders import OPENERS, Placeholder, Template, scan

PREFIX = "values."


def needed(content: Content) -> set[str]:
    """The value keys the content's texts name."""
    keys: set[str] = set()
    for text in texts_of(content):
        keys |= {f[len(PREFIX) :] for f in scan(text.text).fields if f.startswith(PREFIX)}
    return keys


def value_errors(content: Content, values: Mapping[str, str], where: str) -> list[FieldError]:
    """Missing values, values the texts do not use, and values that open a placeholder."""
    keys = needed(content)
    errors = [
        FieldError(f"template.values.{k}", f"{where} needs this value")
        for k in sorted(keys - set(values))
    ]
    errors += [
        FieldError(f"template.values.{k}", f"{where} has no {{{{ values.{k} }}}} placeholder")
        for k in sorted(set(values) - keys)
    ]
    errors += [
        FieldError(f"template.values.{k}", f"a value may not contain '{o}'", v[:60])
        for k, v in sorted(values.items())
        for o in OPENERS
        if o in v
    ]
    errors += [
        FieldError(f"template.values.{k}", "a value may not contain the NUL character")
        for k, v in sorted(values.items())
        if "\x00" in v
    ]
    return errors


def _placeholder_text(p: Placeholder) -> str:
    return "{{ " + " | ".join((p.field, *p.filters)) + " }}"


def _fill(text: str, values: Mapping[str, str], kind: Kind) -> str:
    template: Template = scan(text)
    out: list[str] = []
    for p in template.parts:
        if isinstance(p, str):
            out.append(p)
        elif p.field.startswith(PREFIX):
            value = p.apply(values.get(p.field[len(PREFIX) :], ""))
            out.append(_escaped(value, kind))
        else:
            out.append(_placeholder_text(p))
    return "".join(out)


def _escaped(value: str, kind: Kind) -> str:
    if kind == Kind.HTML:
        return htmllib.escape(value)
    if kind == Kind.URL:
        return quote(value, safe="")
    return value


def fill(content: Content, values: Mapping[str, str]) -> Content:
    """The content with the values in place (call after `value_errors` found none)."""

    def plain(text: str | None) -> str | None:
        return None if text is None else _fill(text, values, Kind.PLAIN)

    variants = {
        channel: Variant(
            title=plain(v.title),
            body=plain(v.body),
            subject=plain(v.subject),
            html=None if v.html is None else _fill(v.html, values, Kind.HTML),
        )
        for channel, v in content.variants.items()
    }
    media = tuple(
        Media.model_validate(
            m.model_dump(mode="json") | {"url": _fill(str(m.url), values, Kind.URL)}
        )
        for m in content.media
    )
    return content.model_copy(
        update={
            "title": _fill(content.title, values, Kind.PLAIN),
            "body": _fill(content.body, values, Kind.PLAIN),
            "url": None if content.url is None else _fill(content.url, values, Kind.URL),
            "media": media,
            "variants": variants,
        }
    )
