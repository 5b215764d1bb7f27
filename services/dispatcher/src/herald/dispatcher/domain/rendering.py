"""From a send to the message one channel carries.

Per-channel variants first, then personalisation: every text is a template of
`herald.contracts.placeholders` (plain text and `{{ field | filter }}`, nothing else),
parsed once per text and remembered across a request's sends, its placeholders filled
from the send's own fields (`values`); in HTML each value is escaped. Each part is
capped at its channel's ceiling (`herald.contracts.limits`), so no template renders
without bound. A text that is not a valid template, or renders too long, fails the send
permanently (`RenderError`). Then every link becomes a signed tracking link and HTML is
sanitised. The final message is checked once more before sending (domain/final_check.py).
"""

import html as htmllib
from collections.abc import Mapping
from dataclasses import dataclass, field

import nh3

from herald.contracts import Channel, ReasonCode
from herald.contracts.internal import Send
from herald.contracts.limits import limits_for
from herald.contracts.personalisation import URL_MAX
from herald.contracts.placeholders import Part, RenderTooLongError, TemplateError, parse
from herald.dispatcher.domain.links import URL_IN_TEXT, TrackingLinks
from herald.dispatcher.providers.base import Message

_PIXEL_CHANNELS = frozenset({Channel.EMAIL})


class RenderError(Exception):
    """The content cannot be rendered: not a valid template (`invalid_request`), or too
    long for its channel once rendered (`channel_format`)."""

    def __init__(self, reason: ReasonCode, detail: str) -> None:
        super().__init__(detail[:300])
        self.reason = reason


def values(send: Send) -> dict[str, str]:
    """What a template may use: the recipient's non-contact fields and attributes, the
    request's labels, id and tenant."""
    found = {f"labels.{k}": v for k, v in send.labels.items()}
    found.update((f"recipient.attributes.{k}", v) for k, v in send.attributes.items())
    found["recipient.id"], found["recipient.locale"] = send.recipient_id, send.locale or ""
    found["request_id"], found["tenant"] = send.request_id, send.tenant
    return found


class _Values:
    """A send's values, built only when one of its texts has a placeholder."""

    __slots__ = ("_send", "_values")

    def __init__(self, send: Send) -> None:
        self._send: Send = send
        self._values: dict[str, str] | None = None

    def get(self) -> Mapping[str, str]:
        if self._values is None:
            self._values = values(self._send)
        return self._values


def personalise(
    text: str | None, part: str, known: _Values, limit: int, html: bool = False
) -> str | None:
    """The text with its placeholders filled, at most `limit` characters."""
    if text is None:
        return None
    if "{" not in text:  # no opener at all: nothing to parse
        if len(text) > limit:
            raise RenderError(ReasonCode.CHANNEL_FORMAT, _too_long(part, limit))
        return text
    try:
        template = parse(text)
    except TemplateError as exc:
        detail = f"{part}: not a valid template {exc}"
        raise RenderError(ReasonCode.INVALID_REQUEST, detail) from exc
    try:
        if not html:
            return template.render(known.get(), limit)
        return _render_html(template.parts, known.get(), limit)
    except RenderTooLongError as exc:
        raise RenderError(ReasonCode.CHANNEL_FORMAT, _too_long(part, exc.limit)) from exc


def _render_html(parts: tuple[Part, ...], found: Mapping[str, str], limit: int) -> str:
    """Filters first, then HTML escaping: a value is text, never markup."""
    out: list[str] = []
    size = 0
    for p in parts:
        piece = p if isinstance(p, str) else htmllib.escape(p.apply(found.get(p.field, "")))
        size += len(piece)
        if size > limit:
            raise RenderTooLongError(limit)
        out.append(piece)
    return "".join(out)


def _too_long(part: str, limit: int) -> str:
    return f"the {part} is longer than {limit} characters once personalised"


@dataclass(frozen=True, slots=True)
class Parts:
    title: str
    body: str
    subject: str | None
    html: str | None


def parts(send: Send, channel: Channel) -> Parts:
    content = send.content
    v = content.variants.get(channel) if content.variants else None
    if v is None:  # the common case: one text for every channel
        return Parts(content.title, content.body, None, None)
    return Parts(
        title=v.title or content.title,
        body=v.body or content.body,
        subject=v.subject,
        html=v.html,
    )


def sanitise(html: str, links: TrackingLinks | None, delivery_id: str) -> str:
    def rewrite(tag: str, attr: str, value: str) -> str | None:
        if links and tag == "a" and attr == "href" and value.startswith(("http://", "https://")):
            return links.link(delivery_id, value)
        return value

    return nh3.clean(html, attribute_filter=rewrite, url_schemes={"http", "https", "mailto"})


def text_to_html(title: str, body: str, url: str | None) -> str:
    """E-mail always goes out as text + HTML: the HTML part carries the open pixel."""
    paragraphs = "<br>".join(htmllib.escape(line) for line in body.splitlines())
    linked = URL_IN_TEXT.sub(lambda m: f'<a href="{m.group(0)}">{m.group(0)}</a>', paragraphs)
    more = f'<p><a href="{htmllib.escape(url)}">{htmllib.escape(url)}</a></p>' if url else ""
    return f"<h1>{htmllib.escape(title)}</h1><p>{linked}</p>{more}"


@dataclass(frozen=True, slots=True)
class _Recording(TrackingLinks):
    """A send's tracking links, remembering the link each tracked link wraps (for the last
    check, which judges the link a recipient will land on)."""

    wrapped: dict[str, str] = field(default_factory=dict)

    def link(self, delivery_id: str, url: str) -> str:
        tracked = TrackingLinks.link(self, delivery_id, url)
        if tracked != url:
            self.wrapped[tracked] = url
        return tracked


Rendered = tuple[str, str, str | None, str | None, str | None]
"""A message's title, body, subject, HTML and url as sent."""
_VariantKey = tuple[Channel, str, str, str | None, str | None, str | None]
_REMEMBERED = 1024


class Variants:
    """Rendered texts that are the same for every recipient: a variant with no
    placeholder, no link to track and no HTML part (nothing per delivery in it) is
    rendered once and its texts reused by every send of it."""

    def __init__(self) -> None:
        self._known: dict[_VariantKey, Rendered] = {}
        self._personal: set[_VariantKey] = set()

    def get(self, key: _VariantKey) -> Rendered | None:
        return self._known.get(key)

    def remember(self, key: _VariantKey, rendered: Rendered, tracked: bool) -> None:
        if key in self._personal:
            return
        if len(self._known) + len(self._personal) >= _REMEMBERED:
            self._known.clear()
            self._personal.clear()
        if _shared(key, rendered, tracked):
            self._known[key] = rendered
        else:
            self._personal.add(key)


def _shared(key: _VariantKey, rendered: Rendered, tracked: bool) -> bool:
    channel, *texts = key
    if rendered[3] is not None or channel in _PIXEL_CHANNELS:
        return False  # HTML: sanitised with its links tracked, an open pixel per delivery
    if any(t is not None and "{" in t for t in texts):
        return False
    return not tracked or (rendered[4] is None and URL_IN_TEXT.search(rendered[1]) is None)


def render(send: Send, channel: Channel, links: TrackingLinks | None = None) -> Message:
    return render_tracked(send, channel, links)[0]


def render_tracked(
    send: Send,
    channel: Channel,
    links: TrackingLinks | None = None,
    variants: Variants | None = None,
) -> tuple[Message, Mapping[str, str]]:
    """The message, and the link each of its tracked links wraps. With `variants`, texts
    the same for every recipient are rendered once."""
    p = parts(send, channel)
    key = (channel, p.title, p.body, p.subject, p.html, send.content.url)
    found = variants.get(key) if variants is not None else None
    wrapped: Mapping[str, str] = {}
    if found is None:
        recording = _Recording(links.signer, links.public_url, links.expires_at) if links else None
        found = _texts(send, channel, p, recording)
        if variants is not None:
            variants.remember(key, found, links is not None)
        wrapped = recording.wrapped if recording is not None else {}
    title, body, subject, html, url = found
    message = Message(
        delivery_id=send.delivery_id,
        request_id=send.request_id,
        tenant=send.tenant,
        recipient_id=send.recipient_id,
        channel=channel,
        contacts=send.contacts,
        title=title,
        body=body,
        url=url,
        labels=send.labels,
        subject=subject,
        html=html,
        category=str(send.category),
        priority=str(send.priority),
        trace_id=send.trace_id,
        locale=send.locale,
        expires_at=int(send.expires_at.timestamp()) if send.expires_at else None,
    )
    return message, wrapped


def _texts(send: Send, channel: Channel, p: Parts, links: "_Recording | None") -> Rendered:
    cap, known = limits_for(channel), _Values(send)
    title = personalise(p.title, "title", known, cap.title) or ""
    body = personalise(p.body, "body", known, cap.body) or ""
    subject = personalise(p.subject, "subject", known, cap.subject or cap.title)
    html = personalise(p.html, "html", known, cap.html or cap.body, html=True)
    url = personalise(send.content.url, "url", known, URL_MAX)
    if links is not None:
        body = links.rewrite_text(send.delivery_id, body)
        url = links.link(send.delivery_id, url) if url else None
    if html is None and channel == Channel.EMAIL:
        html = text_to_html(title, body, url)
    if html is not None:
        html = sanitise(html, links, send.delivery_id)
        if links is not None and channel in _PIXEL_CHANNELS:
            html += f'<img src="{links.pixel(send.delivery_id)}" width="1" height="1" alt="">'
    return title, body, subject, html, url
