"""Intake's rules for personalised texts: every text a message is built from must be
plain text with well-formed placeholders (`herald.contracts.placeholders`), name only
labels the request carries, keep placeholders out of where its links lead, and stay
within its channel's ceiling (`herald.contracts.limits`) at its longest. Anything else
is refused with the field, and for a template error the character, and why. Pure."""

from herald.contracts import Channel, FieldError, PushRequest
from herald.contracts.limits import limits_for
from herald.contracts.personalisation import (
    URL_MAX,
    Kind,
    Text,
    channel_texts,
    longest,
    shared_values,
    texts_of,
)
from herald.contracts.placeholders import Template, TemplateError, scan
from herald.intake.link_hosts import personalised_host


def check_personalisation(request: PushRequest) -> list[FieldError]:
    """Every problem with the request's texts, one or more per field."""
    errors: list[FieldError] = []
    parsed: dict[str, Template] = {}
    for text in texts_of(request.content):
        try:
            template = scan(text.text)
        except TemplateError as exc:
            errors.append(_not_a_template(text, exc))
            continue
        parsed[text.field] = template
        errors += _unknown_fields(text.field, template, request)
        host = personalised_host(template, text.kind)
        if host is not None:
            errors.append(
                FieldError(
                    text.field,
                    "a placeholder may not decide where a link leads (its scheme, user or "
                    "host); put placeholders in the path, query or fragment",
                    host,
                )
            )
    return errors + _too_long(request, parsed)


def _not_a_template(text: Text, exc: TemplateError) -> FieldError:
    excerpt = text.text[exc.offset : exc.offset + 60]
    return FieldError(
        text.field, f"not a valid template at character {exc.offset}: {exc.reason}", excerpt
    )


def _unknown_fields(field: str, template: Template, request: PushRequest) -> list[FieldError]:
    errors = []
    for name in sorted(template.fields):
        if name.startswith("labels.") and name[len("labels.") :] not in request.labels:
            known = ", ".join(sorted(request.labels)[:10]) or "none"
            errors.append(
                FieldError(
                    field,
                    f"{{{{ {name} }}}} names a label the request does not carry "
                    f"(its labels: {known})",
                    name,
                )
            )
        elif name.startswith("values."):
            errors.append(
                FieldError(
                    field,
                    f"{{{{ {name} }}}}: values come with stored templates, and this request "
                    "supplies none",
                    name,
                )
            )
    return errors


def _caps(channel: Channel) -> dict[str, int]:
    cap = limits_for(channel)
    return {
        "title": cap.title,
        "body": cap.body,
        "subject": cap.subject or cap.title,
        "html": cap.html or cap.body,
        "url": URL_MAX,
    }


def _too_long(request: PushRequest, parsed: dict[str, Template]) -> list[FieldError]:
    """A text that could render longer than a channel it is sent on allows (once per
    field, for the first channel it does not fit)."""
    values = shared_values(request)
    errors: dict[str, FieldError] = {}
    for channel in request.channels:
        caps = _caps(channel)
        for part, text in channel_texts(request.content, channel).items():
            template = parsed.get(text.field)
            if template is None or text.field in errors:
                continue
            size = longest(template, values, html=text.kind == Kind.HTML)
            if size > caps[part]:
                errors[text.field] = FieldError(
                    text.field,
                    f"may render to {size} characters, and a {part} on {channel} may have at "
                    f"most {caps[part]} (labels as given, recipient fields at their longest)",
                    size,
                )
    return list(errors.values())
