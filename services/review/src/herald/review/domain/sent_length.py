"""SMS segments counted on the text as sent: every link the dispatcher tracks replaced by
one as long as its tracked link will be (`{TRACKER_PUBLIC_URL}/r/<token>`).

The engine's SMS rule counts the text as written; this step runs beside it, with the
same limit (the policy's `sms.max_segments`, and never more than the channel's
ceiling, `herald.contracts.limits`), and speaks only when the engine did not: when the
tracked links are what push the SMS over. The token's length is measured on a token
signed as the dispatcher signs (`herald.runtime.links.LinkSigner`), so it follows the
token format, the key id and the URL exactly.
"""

from dataclasses import dataclass
from datetime import UTC, datetime

from herald.contracts import Channel, PushRequest, ReasonCode
from herald.contracts.limits import limits_for
from herald.policy import sms_segments
from herald.policy.tracking import as_sent, tracked_links
from herald.review.engine.findings import Finding, Severity
from herald.runtime.links import LinkSigner

DELIVERY_ID = "d-" + "0" * 24
"""As long as the scheduler's delivery ids (`d-` and 24 hex digits)."""
_EXPIRY = datetime(2100, 1, 1, tzinfo=UTC)
"""Any expiry before 2286 is as long as the dispatcher's (ten digits)."""


@dataclass(frozen=True, slots=True)
class TrackedLinks:
    """Where tracker serves tracked links, and the id of the key the dispatcher signs
    with (the first of its TRACKING_KEYS; an id, not a secret)."""

    public_url: str = "http://127.0.0.1:8005"
    key_id: str = "dev1"

    def token_length(self, url: str) -> int:
        signer = LinkSigner({self.key_id: b"length only"})
        return len(signer.sign(DELIVERY_ID, url, _EXPIRY))

    def as_sent(self, text: str) -> str:
        return as_sent(text, self.public_url, self.token_length)


def sms_body(request: PushRequest) -> tuple[str, str]:
    """The SMS body's field and text: its variant's, else the content's."""
    variant = request.content.variants.get(Channel.SMS)
    if variant and variant.body:
        return f"content.variants.{Channel.SMS}.body", variant.body
    return "content.body", request.content.body


def sms_as_sent(request: PushRequest, max_segments: int, links: TrackedLinks) -> list[Finding]:
    """A block when the SMS takes more segments once its links are tracked than it may,
    though as written it did not."""
    if Channel.SMS not in request.channels:
        return []
    where, text = sms_body(request)
    if not tracked_links(text) or sms_segments(text).count > max_segments:
        return []  # nothing to track, or the engine's own SMS rule has said it
    limit = min(max_segments, limits_for(Channel.SMS).sms_segments)
    sent = sms_segments(links.as_sent(text))
    if sent.count <= limit:
        return []
    return [
        Finding(
            "channel_format",
            ReasonCode.CHANNEL_FORMAT,
            Severity.BLOCK,
            where,
            f"{sent.units} {sent.encoding} units as sent, {sent.count} segments "
            f"({len(tracked_links(text))} tracked links)",
            f"an SMS may take at most {limit} segments as sent: its links become "
            "tracked links, which are longer",
            "format",
        )
    ]
