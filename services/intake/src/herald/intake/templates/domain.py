"""Pure rules of stored templates: what a version's texts may be, its states, which
locale's texts a request gets, and what its values make of them. No I/O here."""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from herald.contracts import Channel, Content, FieldError
from herald.contracts.personalisation import texts_of
from herald.contracts.placeholders import TemplateError, scan
from herald.contracts.push_request import Category
from herald.contracts.status import Reason
from herald.contracts.template_review import TemplateTexts
from herald.contracts.templates import DEFAULT_LOCALE
from herald.intake.link_hosts import personalised_host


# deliberate declaration: the states a template version is stored in
class State(StrEnum):
    """A version is written as a draft, published once (then review decides), and only
    an approved one is used; a new version is how a template is edited."""

    DRAFT = "draft"
    IN_REVIEW = "in_review"
    APPROVED = "approved"
    REJECTED = "rejected"
    EXPIRED = "expired"


# deliberate declaration: what the templates table keeps of a template, field by field
@dataclass(frozen=True, slots=True)
class TemplateInfo:
    tenant: str
    name: str
    department: str
    category: Category
    channels: tuple[Channel, ...]
    description: str
    created_by: str
    created_at: datetime
    latest_version: int = 0
    published_version: int | None = None
    """The latest approved version ("latest published"), if any."""


# deliberate declaration: what the template_versions table keeps, field by field
@dataclass(frozen=True, slots=True)
class Version:
    tenant: str
    name: str
    version: int
    texts: TemplateTexts
    state: State
    created_by: str
    created_at: datetime
    published_by: str | None = None
    published_at: datetime | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    reasons: tuple[Reason, ...] = ()


def text_errors(texts: TemplateTexts) -> list[FieldError]:
    """Every text of every locale must be plain text with well-formed placeholders of
    declared fields, none deciding where a link leads (intake's rules for requests,
    `values.<key>` allowed)."""
    errors: list[FieldError] = []
    if "\\u0000" in texts.model_dump_json():
        errors.append(FieldError("texts", "a text may not contain the NUL character"))
    for where, content in _contents(texts):
        for text in texts_of(content):
            field = f"texts.{where}.{text.field.removeprefix('content.')}"
            try:
                template = scan(text.text)
            except TemplateError as exc:
                errors.append(FieldError(field, f"not a valid template: {exc}", exc.offset))
                continue
            if personalised_host(template, text.kind) is not None:
                errors.append(
                    FieldError(
                        field,
                        "a placeholder may not decide where a link leads (its scheme, user "
                        "or host)",
                    )
                )
    return errors


def _contents(texts: TemplateTexts) -> list[tuple[str, Content]]:
    return [("default", texts.default)] + [
        (f"locales.{tag}", c) for tag, c in sorted(texts.locales.items())
    ]


def locale_chain(tag: str | None) -> list[str]:
    """`zh-Hant-HK` -> `zh-Hant-HK`, `zh-Hant`, `zh`, then the default texts."""
    chain: list[str] = []
    parts = tag.split("-") if tag else []
    while parts:
        chain.append("-".join(parts))
        parts.pop()
    return [*chain, DEFAULT_LOCALE]


def pick(texts: TemplateTexts, tag: str | None) -> tuple[str, Content]:
    """The locale along the chain whose texts the template has (tags compared without
    regard to case, as BCP 47 has it), and its content."""
    by_folded = {k.casefold(): (k, c) for k, c in texts.locales.items()}
    for candidate in locale_chain(tag)[:-1]:
        found = by_folded.get(candidate.casefold())
        if found is not None:
            return found
    return DEFAULT_LOCALE, texts.default
