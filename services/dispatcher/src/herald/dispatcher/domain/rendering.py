"""From a send to the message one channel carries.

Per-channel variants first, then personalisation (a Jinja2 sandbox over the recipient's
fields: anything that tries to leave the sandbox is refused and the send fails
permanently), then every link becomes a signed tracking link and HTML is sanitised.
"""

import functools
import html as htmllib
from dataclasses import dataclass
from typing import Any

import nh3
from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from herald.contracts import Channel
from herald.contracts.internal import Send
from herald.dispatcher.domain.links import URL_IN_TEXT, TrackingLinks
from herald.dispatcher.providers.base import Message

MAX_REPEATED = 100_000
"""Largest string or list a template may build with `*`."""


SAFE_FILTERS = frozenset(
    {"upper", "lower", "title", "capitalize", "trim", "default", "d", "truncate", "escape",
     "e", "string", "int", "float", "round", "length", "first", "last", "abs"}
)  # fmt: skip
"""Filters that cannot be made to build huge output (no center, indent, wordwrap ...)."""
FORBIDDEN = (nodes.For, nodes.Macro, nodes.CallBlock, nodes.FilterBlock, nodes.Include,
             nodes.Import, nodes.FromImport, nodes.Extends, nodes.Block, nodes.With)  # fmt: skip
"""Personalisation is expressions and `{% if %}`: no loops (CPU bombs), macros or imports."""


class _Sandbox(ImmutableSandboxedEnvironment):
    """Jinja's immutable sandbox, with no globals, a few filters, no loops, no `**` and no
    huge `*` (memory and CPU bombs)."""

    intercepted_binops = frozenset({"*", "**"})

    def __init__(self, autoescape: bool) -> None:
        super().__init__(autoescape=autoescape)
        self.globals.clear()
        self.filters = {k: v for k, v in self.filters.items() if k in SAFE_FILTERS}

    def checked(self, source: str) -> Any:
        tree = self.parse(source)
        for kind in FORBIDDEN:
            if tree.find(kind) is not None:
                raise SecurityError(f"{kind.__name__} is not allowed in a template")
        return self.from_string(tree)

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            raise SecurityError("the power operator is not allowed")
        seqs = [len(x) for x in (left, right) if isinstance(x, str | list | tuple)]
        counts = [x for x in (left, right) if isinstance(x, int)]
        if seqs and counts and seqs[0] * counts[0] > MAX_REPEATED:
            raise SecurityError("repetition too large")
        return super().call_binop(context, operator, left, right)


_TEXT_ENV = _Sandbox(autoescape=False)
_HTML_ENV = _Sandbox(autoescape=True)
_PIXEL_CHANNELS = frozenset({Channel.EMAIL})


class RenderError(Exception):
    """The content cannot be rendered (template error or a sandbox escape)."""


@dataclass(frozen=True, slots=True)
class Parts:
    title: str
    body: str
    subject: str | None
    html: str | None


def fields(send: Send) -> dict[str, object]:
    """What a template may use: the recipient's non-contact fields and the request's labels."""
    return {
        "recipient": {"id": send.recipient_id, "locale": send.locale or ""},
        "labels": dict(send.labels),
        "request_id": send.request_id,
        "tenant": send.tenant,
    }


@functools.lru_cache(maxsize=512)
def _template(source: str, html: bool) -> Any:
    """A request's template is the same for every recipient: check and compile it once."""
    return (_HTML_ENV if html else _TEXT_ENV).checked(source)


def personalise(text: str | None, send: Send, html: bool = False) -> str | None:
    if text is None or ("{{" not in text and "{%" not in text):
        return text
    try:
        return str(_template(text, html).render(fields(send)))
    except Exception as exc:  # a sandbox refusal, a syntax error, or one the template raised
        raise RenderError(f"template refused: {type(exc).__name__}: {exc}"[:300]) from exc


def parts(send: Send, channel: Channel) -> Parts:
    v = send.content.variants.get(channel)
    return Parts(
        title=(v.title if v and v.title else None) or send.content.title,
        body=(v.body if v and v.body else None) or send.content.body,
        subject=v.subject if v else None,
        html=v.html if v else None,
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


def render(send: Send, channel: Channel, links: TrackingLinks | None = None) -> Message:
    p = parts(send, channel)
    title = personalise(p.title, send) or p.title
    body = personalise(p.body, send) or p.body
    subject = personalise(p.subject, send)
    html = personalise(p.html, send, html=True)
    url = send.content.url
    if links is not None:
        body = links.rewrite_text(send.delivery_id, body)
        url = links.link(send.delivery_id, url) if url else None
    if html is None and channel == Channel.EMAIL:
        html = text_to_html(title, body, url)
    if html is not None:
        html = sanitise(html, links, send.delivery_id)
        if links is not None and channel in _PIXEL_CHANNELS:
            html += f'<img src="{links.pixel(send.delivery_id)}" width="1" height="1" alt="">'
    return Message(
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
