"""Channel format: SMS length, signature and opt-out hint; titles; images; video length."""

import re
from typing import Any

from herald.contracts import Channel, ReasonCode
from herald.policy import sms_segments as segments_of
from herald.review.engine.findings import Finding, Severity
from herald.review.engine.reading import Reading
from herald.review.policy import FormatPolicy, SmsPolicy

_SMS, _EMAIL = Channel.SMS, Channel.EMAIL
_SIGNATURE = re.compile(r"^\s{0,20}【[^】]{1,16}】|【[^】]{1,16}】\s{0,20}$")


def sms_segments(text: str) -> tuple[int, str]:
    """How many segments the text takes, and its encoding (see herald.policy.sms)."""
    counted = segments_of(text)
    return counted.count, counted.encoding


# deliberate declaration: a Finding spelled out with this rule's code
def _fail(field: str, evidence: str, message: str) -> Finding:
    return Finding(
        "channel_format",
        ReasonCode.CHANNEL_FORMAT,
        Severity.BLOCK,
        field,
        evidence,
        message,
        "format",
    )


def sms_format(reading: Reading, policy: SmsPolicy) -> list[Finding]:
    if _SMS not in reading.channels:
        return []
    content = reading.content
    variant = content.variants.get(_SMS)
    field, text = (
        ("content.variants.sms.body", variant.body)
        if variant and variant.body
        else ("content.body", content.body)
    )
    found = []
    segments, encoding = sms_segments(text)
    if segments > policy.max_segments:
        found.append(
            _fail(
                field,
                f"{len(text)} characters, {segments} {encoding} segments",
                f"an SMS may take at most {policy.max_segments} segments",
            )
        )
    if policy.require_signature and not _SIGNATURE.search(text):
        found.append(_fail(field, text[:20], "an SMS must carry a signature such as 【Acme】"))
    lowered = text.lower()
    if reading.category in policy.opt_out_categories and not any(
        hint.lower() in lowered for hint in policy.opt_out_hints
    ):
        found.append(_fail(field, text[-20:], "a marketing SMS must say how to opt out (回T退订)"))
    return found


def _title(content: dict[str, Any], channel: Channel) -> tuple[str, str]:
    variant = content["variants"].get(channel)
    if variant and channel == _EMAIL and variant.subject:
        return f"content.variants.{channel}.subject", variant.subject
    if variant and variant.title:
        return f"content.variants.{channel}.title", variant.title
    return "content.title", content["title"]


def content_format(
    reading: Reading, policy: FormatPolicy, title_max: dict[Channel, int]
) -> list[Finding]:
    """Titles within `title_max` (the policy's, as the engine's plan holds it), images
    and videos within the policy's limits."""
    found = []
    content = reading.content.__dict__  # one slow read of the model (see pieces)
    for channel in reading.channels:
        limit = title_max.get(channel)
        if limit is None:
            continue
        field, title = _title(content, channel)
        if len(title) > limit:
            found.append(
                _fail(
                    field,
                    f"{len(title)} characters",
                    f"a {channel} title may have at most {limit} characters",
                )
            )
    media = content["media"]
    if not media:
        return found
    images = sum(1 for m in media if m.kind == "image")
    if images > policy.max_images:
        found.append(
            _fail("content.media", f"{images} images", f"at most {policy.max_images} images")
        )
    for i, m in enumerate(media):
        d = m.duration_s
        if (
            m.kind == "video"
            and d is not None
            and not policy.video_min_s <= d <= policy.video_max_s
        ):
            found.append(
                _fail(
                    f"content.media[{i}].duration_s",
                    f"{d:g} s",
                    f"a video must last {policy.video_min_s:g}-{policy.video_max_s:g} seconds",
                )
            )
    return found
