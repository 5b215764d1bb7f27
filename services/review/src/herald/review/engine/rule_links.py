"""Links: every URL a request carries, judged by herald.policy's `check_url` (the same
check the dispatcher applies to the final message): schemes, IP hosts in any form,
userinfo tricks, look-alike domains, deny/allow lists, shorteners and redirectors."""

from herald.contracts import ReasonCode
from herald.policy import LinkPolicy, check_url, urls_in
from herald.review.engine.findings import Finding, Kind, Piece, Severity
from herald.review.engine.rule_markup import html_links


def links_in(piece: Piece) -> list[str]:
    if piece.kind == Kind.URL:
        return [piece.text.strip()]
    if piece.kind == Kind.HTML:
        return html_links(piece.text)
    return urls_in(piece.text)


_RANK = {Severity.BLOCK: 0, Severity.HOLD: 1, Severity.NOTE: 2}


def unsafe_links(texts: list[Piece], policy: LinkPolicy) -> list[Finding]:
    """One finding per bad link: its worst severity, every problem in the message."""
    found = []
    for piece in texts:
        for url in links_in(piece):
            problems = check_url(url, policy)
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
