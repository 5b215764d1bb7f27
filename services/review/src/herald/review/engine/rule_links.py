"""Links: every URL a request carries, judged by herald.policy's `check_url` (the same
check the dispatcher applies to the final message): schemes, IP hosts in any form,
userinfo tricks, look-alike domains, deny/allow lists, shorteners and redirectors."""

from bisect import bisect_right
from itertools import accumulate

import ahocorasick_rs

from herald.contracts import ReasonCode
from herald.policy import LinkFinding, LinkPolicy, check_url, urls_in
from herald.review.engine.findings import HTML, PLAIN, URL, Finding, Piece, Severity
from herald.review.engine.rule_markup import html_links


def links_in(piece: Piece) -> list[str]:
    if piece.kind is URL:
        return [piece.text.strip()]
    if piece.kind is HTML:
        return html_links(piece.text)
    return urls_in(piece.text)


_ANCHORS = ahocorasick_rs.BytesAhoCorasick(
    [b".a", b".d", b".t", b".p", b".A", b":/", b"pt:", b"tA:", b"ea", b"et", b"ep", b"eA"]
)
"""In a text's marks (see fold_tables.mark_table), the places urls_in would look: a dot
before a letter or digit, `:/`, the colon of `javascript:`, `vbscript:` or `data:`, an
ideographic full stop before a letter. A text with none of them has no link."""


def may_hold_links(marks: bytes) -> bool:
    return bool(_ANCHORS.find_matches_as_indexes(marks))


def _plain_links(texts: list[Piece]) -> dict[int, list[str]]:
    """The links in the plain texts, by piece: the texts are searched joined (by a line
    break, which ends any link), once, and each link is placed by where it was found."""
    indices = [i for i, p in enumerate(texts) if p.kind is PLAIN]
    joined = "\n".join([texts[i].text for i in indices])
    found: dict[int, list[str]] = {}
    urls = urls_in(joined)
    if not urls:
        return found
    starts = list(accumulate((len(texts[i].text) + 1 for i in indices), initial=0))
    at = 0
    for url in urls:
        at = joined.find(url, at)
        found.setdefault(indices[bisect_right(starts, at) - 1], []).append(url)
        at += len(url)
    return found


_RANK = {Severity.BLOCK: 0, Severity.HOLD: 1, Severity.NOTE: 2}
_REMEMBERED = 4096


class _Answers:
    """check_url's answers for the links seen lately, under one policy: a campaign's
    pushes carry the same few links, and a link's check does not change until the
    policy does. One (policy, answers) pair, swapped whole, so that a worker thread
    judging under another policy never reads this one's answers."""

    def __init__(self) -> None:
        self._state: tuple[LinkPolicy | None, dict[str, tuple[LinkFinding, ...]]] = (None, {})

    def __call__(self, url: str, policy: LinkPolicy) -> tuple[LinkFinding, ...]:
        state = self._state
        if state[0] is not policy:
            state = self._state = (policy, {})
        answers = state[1]
        found = answers.get(url)
        if found is None:
            if len(answers) >= _REMEMBERED:
                answers.clear()
            found = answers[url] = check_url(url, policy)
        return found

    def forget(self) -> None:
        self._state = (None, {})


checked = _Answers()


def unsafe_links(
    texts: list[Piece], policy: LinkPolicy, marks: bytes | None = None
) -> list[Finding]:
    """One finding per bad link: its worst severity, every problem in the message.
    `marks`, the marks of the plain texts (see Reading), skip the search of texts that
    cannot hold a link."""
    found = []
    plain = _plain_links(texts) if marks is None or may_hold_links(marks) else {}
    for i, piece in enumerate(texts):
        kind = piece.kind
        if kind is PLAIN:
            urls = plain.get(i)
            if not urls:
                continue
        else:
            urls = [piece.text.strip()] if kind is URL else html_links(piece.text)
        for url in urls:
            problems = checked(url, policy)
            if not problems:
                continue
            worst = min((Severity(p.severity) for p in problems), key=_RANK.__getitem__)
            found.append(
                Finding(
                    "links",
                    ReasonCode.UNSAFE_LINK,
                    worst,
                    piece.field,
                    url[:300],
                    "; ".join(dict.fromkeys(p.message for p in problems)),
                    "links",
                    tuple(dict.fromkeys(p.kind for p in problems)),
                )
            )
    return found
