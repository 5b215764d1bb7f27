"""The last check of a message before its provider sees it: what is sent is what review
would let through.

Review judges a request's texts with its labels filled in and each recipient field
unknown; the dispatcher fills in the recipient's fields and turns links into tracked
links. So the final message is judged again, as it will be sent:

- every link in its title, subject, body, url and HTML passes review's link policy
  (`herald.policy.check_url`, the policy's `links` section). A tracked link of Herald's
  own (`{tracker}/r/<token>`) is judged by the link it wraps, read from its verified
  token (one that does not verify fails). A problem review would block fails the send;
  one review would hold for a human (a shortener, a redirector, a foreign-script domain)
  fails it unless review held the same kind of problem on the same host in the request
  (a human may have let that through: `https://bit.ly/{{ recipient.id }}`);
- the title (an e-mail's subject) fits review's `format.title_max` and every part its
  channel's ceiling (`herald.contracts.limits`);
- an SMS body takes at most `sms.max_segments` segments (never more than the channel's
  ceiling), counted on the final text with its tracked links.

Pure: the policy comes in as `SendRules` (see adapters/review_rules.py for the file).
"""

import html as htmllib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from herald.contracts import Channel, ReasonCode
from herald.contracts.internal import Send
from herald.contracts.limits import SMS_MAX_SEGMENTS, TITLE_MAX, limits_for
from herald.dispatcher.domain.links import TrackingLinks
from herald.dispatcher.domain.reviewed import host_of, reviewed_links
from herald.dispatcher.providers.base import Message
from herald.policy import LinkFinding, LinkPolicy, check_url, sms_segments, urls_in
from herald.runtime.clock import Clock, utc_now

_TOKEN = re.compile(r"[A-Za-z0-9_.-]*")
"""A tracked link's token (base64url parts joined by dots)."""
_NONE: Mapping[str, str] = MappingProxyType({})
_LINK_MARKS = (".", ":", "\u3002", "\uff0e", "\uff61")
"""A text with none of these has no link for `urls_in` to find."""
_REMEMBERED = 4096
_UNKNOWN = object()
_VERIFIED = "\0verified"
"""Not a link: a tracked link whose target is read from its token (`_verified`)."""


@dataclass(frozen=True, slots=True)
class SendRules:
    """What review's policy says of a final text (its defaults when there is no file)."""

    links: LinkPolicy = field(default_factory=LinkPolicy)
    title_max: Mapping[Channel, int] = field(default_factory=lambda: TITLE_MAX)
    sms_max_segments: int = SMS_MAX_SEGMENTS


@dataclass(frozen=True, slots=True)
class Problem:
    reason: ReasonCode
    detail: str


class FinalCheck:
    def __init__(
        self,
        rules: SendRules | None = None,
        links: TrackingLinks | None = None,
        clock: Clock = utc_now,
        own: tuple[str, ...] = (),
    ) -> None:
        """`own`: Herald's other public bases (the opt-out pages) whose links it adds
        itself; like the tracker's other addresses they are not judged as content."""
        self._rules, self._links, self._clock = rules or SendRules(), links, clock
        self._own = tuple(base.rstrip("/") + "/" for base in own)
        self._answers: dict[str, tuple[LinkFinding, ...]] = {}
        self._verdicts: dict[tuple[object, ...], Problem | None] = {}
        """check_url's answers for the links seen lately: a request's sends share them."""

    def use(self, rules: SendRules) -> None:
        """Judge by `rules` from now on (the policy file changed); verdicts remembered under
        the old rules are forgotten."""
        self._rules = rules
        self._answers.clear()
        self._verdicts.clear()

    def problem(
        self, send: Send, message: Message, wrapped: Mapping[str, str] = _NONE
    ) -> Problem | None:
        """Why this message must not be sent, or None. `wrapped`: the link each tracked
        link the dispatcher just made wraps (others are read from their tokens).

        A message with no link of its own tracked (the same texts for every recipient of
        a variant) is judged once: the verdict is remembered by its texts, unless it
        depended on the send (a hold review may have let through) or on the time (a
        tracked link's expiry)."""
        key: tuple[object, ...] | None = None
        if not wrapped:
            m = message
            key = (m.channel, m.title, m.subject, m.body, m.url, m.html)
            known = self._verdicts.get(key, _UNKNOWN)
            if known is not _UNKNOWN:
                return known  # type: ignore[return-value]
        found = _lengths(message, self._rules)
        general = True
        if found is None:
            found, general = self._bad_link(send, message, wrapped)
        if key is not None and general:
            if len(self._verdicts) >= _REMEMBERED:
                self._verdicts.clear()
            self._verdicts[key] = found
        return found

    def _bad_link(
        self, send: Send, message: Message, wrapped: Mapping[str, str]
    ) -> tuple[Problem | None, bool]:
        """The first problem of a link, and whether the verdict holds for any send and
        time (it read neither the request's reviewed holds nor a token's expiry)."""
        reviewed: frozenset[tuple[str, str]] | None = None
        general = True
        for url in _urls(message):
            target: str | None = self._target(url, wrapped)
            if target is _VERIFIED:
                general = False  # read from a token: depends on the time
                target = self._verified(url)
            if target is None:
                detail = f"{url[:200]}: a tracked link that does not verify"
                return Problem(ReasonCode.UNSAFE_LINK, detail), general
            if not target:
                continue  # Herald's own: the pixel, the tracker
            found = self._check(target)
            blocks = [f for f in found if f.severity == "block"]
            holds = [f for f in found if f.severity == "hold"]
            if holds and not blocks:
                general = False
                reviewed = reviewed if reviewed is not None else self._reviewed_holds(send)
                holds = [f for f in holds if (host_of(f.url), f.kind) not in reviewed]
            if blocks or holds:
                return Problem(ReasonCode.UNSAFE_LINK, _describe(target, blocks or holds)), general
        return None, general

    def _target(self, url: str, wrapped: Mapping[str, str]) -> str:
        """The link to judge: `url`, the link a tracked link wraps, "" for Herald's own
        other addresses, _VERIFIED for a tracked link to read from its token."""
        found = wrapped.get(url)
        if found is not None:
            return found
        if self._own and url.startswith(self._own):
            return ""
        links = self._links
        if links is None or not url.startswith(links.public_url + "/"):
            return url
        start = len(links.public_url) + 3
        if url[start - 3 : start] != "/r/":
            return ""
        token = _TOKEN.match(url, start)
        tracked = url[: token.end()] if token else url
        return wrapped.get(tracked, _VERIFIED)

    def _verified(self, url: str) -> str | None:
        """The link a tracked link's token wraps, if the token verifies now."""
        links = self._links
        assert links is not None
        start = len(links.public_url) + 3
        token = _TOKEN.match(url, start)
        tracked = url[: token.end()] if token else url
        link = links.signer.verify(tracked[start:], self._clock())
        return None if link is None else link.url

    def _reviewed_holds(self, send: Send) -> frozenset[tuple[str, str]]:
        """(host, kind) of each problem review held for a human in the request."""
        return frozenset(
            (host_of(f.url), f.kind)
            for url in reviewed_links(send)
            for f in self._check(url)
            if f.severity == "hold"
        )

    def _check(self, url: str) -> tuple[LinkFinding, ...]:
        found = self._answers.get(url)
        if found is None:
            if len(self._answers) >= _REMEMBERED:
                self._answers.clear()
            found = self._answers[url] = check_url(url, self._rules.links)
        return found


def _describe(url: str, found: list[LinkFinding]) -> str:
    problems = "; ".join(dict.fromkeys(f.message for f in found))
    return f"{url[:200]}: {problems}"[:300]


def _urls(message: Message) -> list[str]:
    found: list[str] = []
    for text in (message.title, message.subject, message.body):
        if text and any(mark in text for mark in _LINK_MARKS):
            found += urls_in(text)
    if message.url:
        found.append(message.url.strip())
    if message.html:
        found += urls_in(htmllib.unescape(message.html))
    return found


def _lengths(message: Message, rules: SendRules) -> Problem | None:
    channel, cap = message.channel, limits_for(message.channel)
    title_at = "subject" if channel == Channel.EMAIL and message.subject else "title"
    title = (message.subject if title_at == "subject" else message.title) or ""
    title_max = rules.title_max.get(channel)
    if title_max is not None and len(title) > title_max:
        return _too_long(title_at, len(title), title_max, channel)
    sizes = (
        ("title", message.title, cap.title),
        ("subject", message.subject, cap.subject or cap.title),
        ("body", message.body, cap.body),
        ("html", message.html, cap.html or cap.body),
    )
    for part, text, limit in sizes:
        if text and len(text) > limit:
            return _too_long(part, len(text), limit, channel)
    if channel == Channel.SMS:
        limit = min(rules.sms_max_segments, cap.sms_segments)
        segments = sms_segments(message.body)
        if segments.count > limit:
            return Problem(
                ReasonCode.CHANNEL_FORMAT,
                f"the SMS takes {segments.count} segments as sent ({segments.units} "
                f"{segments.encoding} units, tracked links included); at most {limit}",
            )
    return None


def _too_long(part: str, size: int, limit: int, channel: Channel) -> Problem:
    return Problem(
        ReasonCode.CHANNEL_FORMAT,
        f"the {part} has {size} characters as sent; a {part} on {channel} may have {limit}",
    )
