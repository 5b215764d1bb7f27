"""The social channel's format: WeChat official-account template messages.

WeChat approves each template and shows only its keyword values; since its 2023 rules a
`thing` value holds at most 20 characters, and template messages may carry service
notifications only, never marketing (模板消息运营规范). A request that lists `social` is
held to that here, at review, because the dispatcher can only cut a value that is too
long, which a reader would notice.
"""

from herald.contracts import Category, Channel, Content, ReasonCode
from herald.review.engine.findings import Finding, Severity
from herald.review.engine.reading import Reading
from herald.review.policy import SocialPolicy

_SOCIAL, _MARKETING = Channel.SOCIAL, Category.MARKETING


def _text(content: Content, part: str) -> tuple[str, str]:
    variant = content.variants.get(_SOCIAL)
    own = getattr(variant, part) if variant else None
    if own:
        return f"content.variants.social.{part}", own
    return f"content.{part}", getattr(content, part)


def _finding(field: str, evidence: str, message: str, severity: Severity) -> Finding:
    return Finding(
        "channel_format", ReasonCode.CHANNEL_FORMAT, severity, field, evidence, message, "format"
    )


def social_format(reading: Reading, policy: SocialPolicy) -> list[Finding]:
    if _SOCIAL not in reading.channels:
        return []
    found = []
    if reading.category == _MARKETING:
        found.append(
            _finding(
                "category",
                "marketing",
                "WeChat template messages (the social channel) may not carry marketing",
                policy.marketing,
            )
        )
    for part, limit in (("title", policy.title_max), ("body", policy.body_max)):
        field, text = _text(reading.content, part)
        if len(text) > limit:
            message = f"a social (WeChat template) {part} may have at most {limit} characters"
            found.append(_finding(field, f"{len(text)} characters", message, Severity.BLOCK))
    return found
