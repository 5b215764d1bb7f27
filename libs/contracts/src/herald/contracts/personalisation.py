"""What personalisation may use and how far it can stretch a text: the texts a message is
built from, the values every recipient of a request shares, and the longest a template
can render to. Intake bounds a request by these numbers; review reads the request's
texts with the same values; the dispatcher renders within `herald.contracts.limits`.

A placeholder's value is known before sending (labels, the request's id and tenant),
or is the recipient's and bounded here (`RECIPIENT_FIELD_MAX`, attributes at
`RECIPIENT_ATTRIBUTE_MAX`). Filters can lengthen a value: `upper` and its kin turn one
character into at most three (`ﬃ` -> `FFI`), and HTML escaping one into at most six
(`"` -> `&quot;`); the worst case counts that.
"""

import html as htmllib
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from herald.contracts.common import Channel
from herald.contracts.placeholders import Placeholder, Template
from herald.contracts.push_request import Content, PushRequest

RECIPIENT = "recipient."
RECIPIENT_FIELD_MAX = {"recipient.id": 128, "recipient.locale": 35}
"""The longest a recipient's own fields are (the contract's limits on `recipient_id`
and `locale`)."""
RECIPIENT_ATTRIBUTE_MAX = 64
"""The longest value of a recipient attribute (`recipient.attributes.<key>`) a template
may use; longer values are refused where attributes enter Herald."""
URL_MAX = 2000
"""The longest `content.url` may be, as written and as rendered."""
REVIEW_MARKER = "\u00a4"
"""Stands for a recipient's value in the text review reads (`¤`): no reviewer can know
it, no rule reads it as a letter, a link or a wide character, and it is one GSM-7
character (an SMS is counted in the encoding it will be sent in)."""
CASE_GROWTH = 3
HTML_GROWTH = 6
_CASE_FILTERS = frozenset({"upper", "lower", "title", "capitalize"})


class Kind(StrEnum):
    PLAIN = "plain"
    HTML = "html"
    URL = "url"


@dataclass(frozen=True, slots=True)
class Text:
    """One text a message is built from, and where it sits in the request."""

    field: str
    text: str
    kind: Kind = Kind.PLAIN


def texts_of(content: Content) -> list[Text]:
    """Every text a message is built from: title, body, url, media urls, and each
    variant's title, subject, body and html."""
    found = [Text("content.title", content.title), Text("content.body", content.body)]
    if content.url is not None:
        found.append(Text("content.url", content.url, Kind.URL))
    found += [
        Text(f"content.media[{i}].url", str(m.url), Kind.URL) for i, m in enumerate(content.media)
    ]
    for channel, v in content.variants.items():
        at = f"content.variants.{channel}"
        for part, text in (("title", v.title), ("subject", v.subject), ("body", v.body)):
            if text is not None:
                found.append(Text(f"{at}.{part}", text))
        if v.html is not None:
            found.append(Text(f"{at}.html", v.html, Kind.HTML))
    return found


def channel_texts(content: Content, channel: Channel) -> dict[str, Text]:
    """The texts one channel's message is built from, by part (`title`, `body`,
    `subject`, `html`, `url`): its variant's where it has them, else the content's."""
    v = content.variants.get(channel)
    at = f"content.variants.{channel}"
    parts = {
        "title": Text(f"{at}.title", v.title) if v and v.title else None,
        "body": Text(f"{at}.body", v.body) if v and v.body else None,
        "subject": Text(f"{at}.subject", v.subject) if v and v.subject else None,
        "html": Text(f"{at}.html", v.html, Kind.HTML) if v and v.html else None,
    }
    parts["title"] = parts["title"] or Text("content.title", content.title)
    parts["body"] = parts["body"] or Text("content.body", content.body)
    if content.url is not None:
        parts["url"] = Text("content.url", content.url, Kind.URL)
    return {part: text for part, text in parts.items() if text is not None}


def shared_values(request: PushRequest) -> dict[str, str]:
    """The values every recipient of the request has: its labels, id and tenant."""
    values = {f"labels.{k}": v for k, v in request.labels.items()}
    values["request_id"], values["tenant"] = request.request_id, request.tenant
    return values


def _recipient_max(field: str) -> int:
    return RECIPIENT_FIELD_MAX.get(field, RECIPIENT_ATTRIBUTE_MAX)


def longest_value(p: Placeholder, values: Mapping[str, str], html: bool) -> int:
    """The longest this placeholder can render to."""
    if not p.field.startswith(RECIPIENT):
        value = values.get(p.field, "")
        return len(p.apply(htmllib.escape(value) if html else value))  # as the dispatcher does
    longest = _recipient_max(p.field)
    if html:
        return longest * HTML_GROWTH
    return longest * CASE_GROWTH if _CASE_FILTERS.intersection(p.filters) else longest


def longest(template: Template, values: Mapping[str, str], html: bool = False) -> int:
    """The longest the template can render to: its text, every known value as it will
    be, and every recipient field at its longest."""
    return sum(
        len(p) if isinstance(p, str) else longest_value(p, values, html) for p in template.parts
    )


def as_reviewed(template: Template, values: Mapping[str, str]) -> str:
    """The template as review reads it: every known value filled in (`values`, already
    escaped where the text is HTML), each recipient field shown as `REVIEW_MARKER`.
    Review judges this text and the dispatcher checks its links against it."""
    return "".join(
        p
        if isinstance(p, str)
        else REVIEW_MARKER
        if p.field.startswith(RECIPIENT)
        else p.apply(values.get(p.field, ""))
        for p in template.parts
    )
