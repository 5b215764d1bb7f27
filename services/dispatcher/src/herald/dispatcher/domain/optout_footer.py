"""The opt-out a marketing message carries: the hook that adds it after rendering.

Pure. For a marketing send only (transactional and notification messages are left as
they are), per channel:
- e-mail: `Message.unsubscribe_url` (the SMTP provider makes it the `List-Unsubscribe`
  header with `List-Unsubscribe-Post: List-Unsubscribe=One-Click`, RFC 8058) and a
  footer in the text and HTML parts with the opt-out and preference-centre links;
- SMS: the reply hint for the recipient's locale (`回T退订`, `Reply STOP to opt out`),
  unless the text already has it or the provider's approved templates carry their own
  (Alibaba Cloud, Tencent Cloud); replies are read by the MO callbacks;
- in-app: the same footer as e-mail; app push and the others: `unsubscribe_url` for the
  providers that carry one, and a configurable hint (none by default).
Links point at Herald itself (`{public}/u/{token}`, `{public}/p/{token}`), never at a
tenant's site, and are not tracking links.
"""

import dataclasses
import html as htmllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from herald.contracts import Category, Channel
from herald.contracts.internal import Send
from herald.dispatcher.domain.optout_tokens import (
    PREFERENCES,
    UNSUBSCRIBE,
    OptOutSigner,
    OptOutToken,
)
from herald.dispatcher.providers.base import Message

DEFAULT_SMS_HINTS = {"zh": "回T退订", "en": "Reply STOP to opt out", "*": "回T退订"}
LABELS = {
    "zh": ("退订", "偏好设置"),
    "*": ("Unsubscribe", "Manage preferences"),
}
_FOOTER_CHANNELS = frozenset({Channel.EMAIL, Channel.IN_APP})


def for_locale(table: Mapping[str, str], locale: str | None) -> str:
    """`zh-Hans-CN` finds `zh-Hans-CN`, then `zh-Hans`, then `zh`, then `*`, else ''."""
    parts = (locale or "").replace("_", "-").split("-")
    for n in range(len(parts), 0, -1):
        found = table.get("-".join(parts[:n]).lower()) or table.get("-".join(parts[:n]))
        if found:
            return found
    return table.get("*", "")


@dataclass(frozen=True, slots=True)
class OptOutLinks:
    signer: OptOutSigner
    public_url: str
    expires_at: Callable[[], datetime]
    sms_hints: Mapping[str, str] = dataclasses.field(default_factory=lambda: DEFAULT_SMS_HINTS)
    push_hints: Mapping[str, str] = dataclasses.field(default_factory=dict)

    def _token(self, send: Send, purpose: str, channel: Channel | None) -> str:
        exp = int(self.expires_at().timestamp())
        return self.signer.sign(
            OptOutToken(
                send.tenant,
                send.recipient_id,
                purpose,
                Category.MARKETING,
                channel,
                send.delivery_id,
                exp,
            )
        )

    def unsubscribe_url(self, send: Send, channel: Channel) -> str:
        return f"{self.public_url}/u/{self._token(send, UNSUBSCRIBE, channel)}"

    def preferences_url(self, send: Send) -> str:
        return f"{self.public_url}/p/{self._token(send, PREFERENCES, None)}"

    def apply(self, send: Send, message: Message, provider: object = None) -> Message:
        """The message with its opt-out (unchanged unless the send is marketing). A
        provider whose vendor-approved templates carry their own opt-out text (China SMS:
        `opt_out_in_template`) gets no SMS hint, which would show twice."""
        if send.category != Category.MARKETING:
            return message
        if message.channel == Channel.SMS:  # a reply hint: no link to pay for in segments
            if getattr(provider, "opt_out_in_template", False):
                return message
            return dataclasses.replace(message, body=_hinted(message.body, self._hint(send)))
        url = self.unsubscribe_url(send, message.channel)
        if message.channel in _FOOTER_CHANNELS:
            return self._footer(send, message, url)
        hint = for_locale(self.push_hints, send.locale)
        return dataclasses.replace(message, unsubscribe_url=url, body=_hinted(message.body, hint))

    def _hint(self, send: Send) -> str:
        return for_locale(self.sms_hints, send.locale)

    def _footer(self, send: Send, message: Message, url: str) -> Message:
        prefs = self.preferences_url(send)
        out_label, prefs_label = LABELS.get((send.locale or "")[:2].lower(), LABELS["*"])
        text = f"{message.body}\n\n--\n{out_label}: {url}\n{prefs_label}: {prefs}"
        html = message.html
        if html is not None:
            links = (
                f'<a href="{htmllib.escape(url)}">{htmllib.escape(out_label)}</a> · '
                f'<a href="{htmllib.escape(prefs)}">{htmllib.escape(prefs_label)}</a>'
            )
            html = f'{html}<p style="font-size:12px;color:#666">{links}</p>'
        return dataclasses.replace(message, body=text, html=html, unsubscribe_url=url)


def _hinted(body: str, hint: str) -> str:
    if not hint or hint.casefold() in body.casefold():
        return body
    return f"{body} {hint}"
