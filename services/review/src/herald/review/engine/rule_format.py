"""Channel format: SMS length, signature and opt-out hint; titles; images; video length."""

import re

from herald.contracts import Channel, PushRequest, ReasonCode
from herald.policy import sms_segments as segments_of
from herald.review.engine.findings import Finding, Severity
from herald.review.policy import FormatPolicy, SmsPolicy

_SIGNATURE = re.compile(r"^\s{0,20}【[^】]{1,16}】|【[^】]{1,16}】\s{0,20}$")


def sms_segments(text: str) -> tuple[int, str]:
    """How many segments the text takes, and its encoding (see herald.policy.sms)."""
    counted = segments_of(text)
    return counted.count, counted.encoding


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


def sms_format(request: PushRequest, policy: SmsPolicy) -> list[Finding]:
    if Channel.SMS not in request.channels:
        return []
    variant = request.content.variants.get(Channel.SMS)
    field, text = (
        ("content.variants.sms.body", variant.body)
        if variant and variant.body
        else ("content.body", request.content.body)
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
    if request.category in policy.opt_out_categories and not any(
        hint.lower() in text.lower() for hint in policy.opt_out_hints
    ):
        found.append(_fail(field, text[-20:], "a marketing SMS must say how to opt out (回T退订)"))
    return found


def _title(request: PushRequest, channel: Channel) -> tuple[str, str]:
    variant = request.content.variants.get(channel)
    if variant and channel == Channel.EMAIL and variant.subject:
        return f"content.variants.{channel}.subject", variant.subject
    if variant and variant.title:
        return f"content.variants.{channel}.title", variant.title
    return "content.title", request.content.title


def content_format(request: PushRequest, policy: FormatPolicy) -> list[Finding]:
    found = []
    for channel in request.channels:
        limit = policy.title_max.get(channel)
        field, title = _title(request, channel)
        if limit is not None and len(title) > limit:
            found.append(
                _fail(
                    field,
                    f"{len(title)} characters",
                    f"a {channel} title may have at most {limit} characters",
                )
            )
    media = request.content.media
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
