"""Links: https only, no raw IP hosts, no script or data URLs, deny/allow lists, shorteners."""

import ipaddress
import re
from urllib.parse import urlsplit

from herald.contracts import ReasonCode
from herald.review.engine.findings import Finding, Kind, Piece, Severity
from herald.review.engine.rule_markup import html_links
from herald.review.policy import LinkPolicy

_STOP = r"[^\s<>\"'）)】，。！？、；]"
_LINK = re.compile(
    rf"(?i)(?:\b(?:https?|ftp|javascript|data|vbscript):{_STOP}+"
    rf"|\b(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+[a-z]{{2,24}}(?:/{_STOP}*)?"
    rf"|\b\d{{1,3}}(?:\.\d{{1,3}}){{3}}(?::\d+|/){_STOP}*)"
)
_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:", re.IGNORECASE)


def links_in(piece: Piece) -> list[str]:
    if piece.kind == Kind.URL:
        return [piece.text.strip()]
    if piece.kind == Kind.HTML:
        return html_links(piece.text)
    return [m.group(0) for m in _LINK.finditer(piece.text) if "@" not in _around(piece.text, m)]


def _around(text: str, m: re.Match[str]) -> str:
    """The characters just before and after a match (an email address is not a link)."""
    return text[max(0, m.start() - 1) : m.start()] + text[m.end() : m.end() + 1]


def _on(host: str, domains: tuple[str, ...]) -> bool:
    return any(host == d or host.endswith("." + d) for d in domains)


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _scheme_problem(scheme: str, policy: LinkPolicy) -> str | None:
    if scheme in ("javascript", "data", "vbscript"):
        return f"{scheme}: URLs are not allowed"
    if scheme not in ("http", "https"):
        return f"scheme {scheme} is not allowed"
    if policy.https_only and scheme == "http":
        return "only https links are allowed"
    return None


def _host_problem(host: str, policy: LinkPolicy) -> str | None:
    if _is_ip(host):
        return "links to raw IP addresses are not allowed"
    if _on(host, policy.deny_domains):
        return f"domain {host} is on the deny-list"
    if policy.allow_domains is not None and not _on(host, policy.allow_domains):
        return f"domain {host} is not on the allow-list"
    return None


def judge_link(url: str, policy: LinkPolicy) -> tuple[Severity, str] | None:
    """Why this link is not acceptable, and how bad that is; None if it is fine."""
    if url.lower().startswith(("mailto:", "tel:", "sms:")):
        return None
    parts = urlsplit(url if _SCHEME.match(url) else "https://" + url)
    host = (parts.hostname or "").lower().rstrip(".")
    problem = _scheme_problem(parts.scheme.lower(), policy) or _host_problem(host, policy)
    if problem is not None:
        return Severity.BLOCK, problem
    if _on(host, policy.shorteners):
        return policy.shortener_severity, f"{host} is a URL shortener: the target is hidden"
    return None


def unsafe_links(texts: list[Piece], policy: LinkPolicy) -> list[Finding]:
    found = []
    for piece in texts:
        for url in links_in(piece):
            verdict = judge_link(url, policy)
            if verdict is not None:
                found.append(
                    Finding(
                        "links",
                        ReasonCode.UNSAFE_LINK,
                        verdict[0],
                        piece.field,
                        url[:300],
                        verdict[1],
                    )
                )
    return found
