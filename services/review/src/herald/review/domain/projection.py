"""What review reads of a request: its texts as they will render, not as written.

Each text is rendered the way the dispatcher will (`herald.contracts.placeholders`):
labels, the request's id and tenant substituted (escaped in HTML, as sent), and each
recipient field shown as `MARKER`, a neutral sign that is one GSM-7 character (so an
SMS is counted in the encoding it will be sent in). Texts keep their place, so a
finding names the field and variant it came from. A text that is not a valid template
(intake refuses those; an older request may still carry one) is read as written and
named by an `invalid_request` finding: the dispatcher would refuse to send it.

Label values are also read on their own (`label_views`): requests whose texts are the
label values, each in a slot of its own that a finding maps back to `labels.<key>`.
"""

import html as htmllib
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from herald.contracts import Channel, Content, PushRequest, ReasonCode, Variant
from herald.contracts.personalisation import REVIEW_MARKER, as_reviewed, shared_values
from herald.contracts.placeholders import TemplateError, scan
from herald.review.engine.findings import Finding, Severity

MARKER = REVIEW_MARKER
"""Stands for a recipient's value (`herald.contracts.personalisation.REVIEW_MARKER`)."""


@dataclass(frozen=True, slots=True)
class Projected:
    """The request as review reads it, and the texts that are not valid templates."""

    request: PushRequest
    invalid: list[Finding] = field(default_factory=list)


class _Renderer:
    def __init__(self, request: PushRequest) -> None:
        self.values = shared_values(request)
        self.escaped = {k: htmllib.escape(v) for k, v in self.values.items()}
        self.invalid: list[Finding] = []

    def text(self, where: str, text: str, html: bool = False) -> str:
        try:
            template = scan(text)
        except TemplateError as exc:
            self.invalid.append(_not_a_template(where, text, exc))
            return text
        if template.is_plain:
            return text
        return as_reviewed(template, self.escaped if html else self.values)

    def maybe(self, where: str, text: str | None, html: bool = False) -> str | None:
        return None if text is None else self.text(where, text, html)


# deliberate declaration: a Finding field by field (engine.findings), as the rules build theirs
def _not_a_template(where: str, text: str, exc: TemplateError) -> Finding:
    return Finding(
        "personalisation",
        ReasonCode.INVALID_REQUEST,
        Severity.BLOCK,
        where,
        text[exc.offset : exc.offset + 60],
        f"not a valid template at character {exc.offset}: {exc.reason}; the dispatcher "
        "would not send it",
        "personalisation",
    )


def _may_hold_placeholders(content: Content) -> bool:
    texts = [content.title, content.body, content.url or ""]
    for v in content.variants.values():
        texts += [v.title or "", v.subject or "", v.body or "", v.html or ""]
    return any("{" in t for t in texts)


def project(request: PushRequest) -> Projected:
    """The request with every text a message is built from rendered for review."""
    c = request.content
    if not _may_hold_placeholders(c):
        return Projected(request)  # most requests: nothing to render
    r = _Renderer(request)
    variants = {
        channel: v.model_copy(
            update={
                "title": r.maybe(f"content.variants.{channel}.title", v.title),
                "subject": r.maybe(f"content.variants.{channel}.subject", v.subject),
                "body": r.maybe(f"content.variants.{channel}.body", v.body),
                "html": r.maybe(f"content.variants.{channel}.html", v.html, html=True),
            }
        )
        for channel, v in c.variants.items()
    }
    content = c.model_copy(
        update={
            "title": r.text("content.title", c.title),
            "body": r.text("content.body", c.body),
            "url": r.maybe("content.url", c.url),
            "variants": variants,
        }
    )
    return Projected(request.model_copy(update={"content": content}), r.invalid)


_SLOTS: tuple[str, ...] = (
    "content.title",
    "content.body",
    *(f"content.variants.{ch}.{part}" for ch in Channel for part in ("title", "subject", "body")),
)
"""Where a label view puts label values: every plain text a request has a place for."""


def _view(request: PushRequest, texts: dict[str, str]) -> PushRequest:
    """A request whose only texts are `texts`, by slot (built, not validated)."""
    variants: dict[Channel, dict[str, Any]] = {}
    for slot, text in texts.items():
        if slot.startswith("content.variants."):
            _, _, channel, part = slot.split(".")
            variants.setdefault(Channel(channel), {})[part] = text
    content = Content.model_construct(
        title=texts.get("content.title", ""),
        body=texts.get("content.body", ""),
        url=None,
        media=(),
        source=None,
        variants={ch: Variant.model_construct(**parts) for ch, parts in variants.items()},
    )
    # every channel: whichever variants the engine reads, it reads these
    return request.model_copy(update={"content": content, "channels": tuple(Channel)})


def label_views(request: PushRequest) -> list[tuple[PushRequest, dict[str, str]]]:
    """Requests that carry the label values as their texts, and which slot is which
    label (`labels.<key>`)."""
    labels = iter((k, v) for k, v in request.labels.items() if v.strip())
    views = []
    while chunk := list(islice(labels, len(_SLOTS))):
        slots = dict(zip(_SLOTS, chunk, strict=False))
        view = _view(request, {slot: value for slot, (_, value) in slots.items()})
        views.append((view, {slot: f"labels.{key}" for slot, (key, _) in slots.items()}))
    return views
