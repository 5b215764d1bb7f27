"""Template SMS (Alibaba Cloud, Tencent Cloud): which approved template, with which values.

Mainland-China SMS carries only templates the vendor approved (with a registered sign
name, 签名); a message is a template code plus the values of its variables. A provider
lists its approved templates by name; the send's category picks one (`marketing`,
`notification`, `transactional`, `alert`, else `default`), and a request may name one
with the label `sms_template`. Each variable's value is a template over the rendered
message: `{title}`, `{body}`, `{url}`, `{recipient_id}`, `{request_id}`, `{delivery_id}`
and `{labels[name]}`.
"""

from dataclasses import dataclass, field

from herald.dispatcher.providers.base import Attempt, Blame, Message, Result

TEMPLATE_LABEL = "sms_template"


@dataclass(frozen=True, slots=True)
class SmsTemplate:
    code: str
    """Alibaba `TemplateCode` (SMS_123456) or Tencent `TemplateId` (123456)."""
    params: dict[str, str] = field(default_factory=dict)
    """Variable name -> value template. Tencent's variables are positional: {1}, {2} ...,
    so their names are "1", "2" ... and are sent in that order."""


class _Values(dict[str, object]):
    def __missing__(self, key: str) -> str:
        return ""


class _Labels(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return ""


def values(message: Message) -> dict[str, object]:
    return _Values(
        title=message.title,
        body=message.body,
        url=message.url or "",
        recipient_id=message.recipient_id,
        request_id=message.request_id,
        delivery_id=message.delivery_id,
        labels=_Labels(message.labels),
    )


def choose(templates: dict[str, SmsTemplate], message: Message) -> SmsTemplate | None:
    """The request's named template, else the category's, else `default`."""
    named = message.labels.get(TEMPLATE_LABEL)
    if named:
        return templates.get(named)
    return templates.get(message.category) or templates.get("default")


def fill(template: SmsTemplate, message: Message) -> dict[str, str]:
    found = values(message)
    return {name: source.format_map(found) for name, source in template.params.items()}


def positional(filled: dict[str, str]) -> list[str]:
    """Tencent's TemplateParamSet: the values in the order of their numeric names."""
    return [v for _k, v in sorted(filled.items(), key=lambda kv: int(kv[0]))]


def mainland(phone: str) -> str:
    """Alibaba's `PhoneNumbers` for a +86 number is the 11 digits; others keep the code."""
    digits = phone.removeprefix("+")
    return digits[2:] if phone.startswith("+86") else digits


def phone_and_template(
    templates: dict[str, SmsTemplate], message: Message, provider: str
) -> tuple[str, SmsTemplate] | Attempt:
    """The number and the template of one message, or the permanent failure that it has
    no number or no template (template SMS providers send nothing else)."""
    phone = message.contacts.phone
    if not phone:
        return Attempt(Result.PERMANENT, provider, "no phone number", blame=Blame.SEND)
    template = choose(templates, message)
    if template is None:
        detail = "no SMS template for this message"
        return Attempt(Result.PERMANENT, provider, detail, blame=Blame.SEND)
    return phone, template
