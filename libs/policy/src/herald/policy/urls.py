"""The links in a plain text: URLs with a scheme, bare domains (`shop.example.com/x`),
raw IPs with a port or path, and domains written with evasive dots (`evil。com`).

Fast and linear: the text is searched for literal anchors (`.`, `:`, the ideographic
full stop) with C string search, and each anchor grows into its token by a bounded
walk; no pattern here repeats without a bound. An email address is not a link.
"""

import re

_URL_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~:/?#[]@!$&*+,;=%\\"
)
_EVASIVE_DOTS = "。．｡"
_MAX = 2000
_DOT = re.compile(r"\.[A-Za-z0-9]")
_EVASIVE = re.compile(r"[。．｡][a-zA-Z]{2,24}\b")
_SCHEME_ONLY = re.compile(r"(?i)\b(?:javascript|vbscript|data):[^\s]{1,300}")
_DOMAIN = re.compile(
    r"(?:[a-zA-Z][a-zA-Z0-9+.-]{0,20}+:/{1,3}+)?"
    r"(?:[^\s/@]{1,64}+@)?"
    r"(?:[a-zA-Z0-9\u00a1-\u2e7f][a-zA-Z0-9\u00a1-\u2e7f-]{0,62}+[.。．｡]){1,10}+"
    r"(?:[a-zA-Z\u00a1-\u2e7f]{2,24}+|xn--[a-zA-Z0-9-]{1,59}+|[0-9]{1,3}+|0x[0-9a-fA-F]{1,8}+)"
    r"(?::[0-9]{1,5}+)?(?:[/?#][^\s<>\"'）)】，。！？、；]{0,2000}+)?"
)
"""A bare domain or IP (optionally with scheme, userinfo, port, path). Possessive
repetitions: nothing is given back, so a failed match costs one pass over its window."""
_SCHEMED = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]{0,20}+:(?:/|\\)[^\s<>\"'）)】，。！？、；]{1,2000}+")
_IP_LIKE = re.compile(r"(?:\d{1,3}\.){3}\d{1,3}$")


def _url_char(ch: str) -> bool:
    """ASCII URL characters, and letters of non-CJK scripts (look-alike domains)."""
    return ch in _URL_CHARS or ("\u00a0" < ch < "\u2e80" and ch.isalnum())


def _token_start(text: str, at: int, floor: int) -> int:
    """Where the token holding `at` begins (at most 300 characters back, never before
    `floor`, the end of what was already read: that keeps the whole scan linear)."""
    start = at
    floor = max(floor, at - 300)
    while start > floor and _url_char(text[start - 1]):
        start -= 1
    return start


def _is_link(found: str) -> bool:
    if "://" in found[:30] or ":\\" in found[:30] or ":/" in found[:30]:
        return True
    host = re.split(r"[/?#]", found, maxsplit=1)[0]
    if _IP_LIKE.match(host.split("@")[-1].split(":")[0]):
        return len(found) > len(host) or ":" in found
    if "@" in host:
        return False  # an email address
    tld = host.rsplit(":", 1)[0].translate({ord(c): "." for c in _EVASIVE_DOTS}).rsplit(".", 1)
    return len(tld) == 2 and (tld[1].isalpha() or tld[1].startswith("xn--"))


def _anchors(text: str) -> list[int]:
    """Where a link could be: a dot before a letter or digit, `:/` or `:\\`, an
    ideographic full stop before Latin letters. Literal searches, cheapest first."""
    found = [m.start() for m in _DOT.finditer(text)]
    if "/" in text or "\\" in text:
        for mark in (":/", ":\\"):
            at = text.find(mark)
            while at >= 0:
                found.append(at)
                at = text.find(mark, at + 1)
    if any(dot in text for dot in _EVASIVE_DOTS):
        found += [m.start() for m in _EVASIVE.finditer(text)]
    return sorted(found)


def _script_urls(text: str) -> list[re.Match[str]]:
    if ":" not in text:
        return []
    lowered = text.lower()
    if "script:" not in lowered and "data:" not in lowered:
        return []
    return list(_SCHEME_ONLY.finditer(text))


def urls_in(text: str) -> list[str]:
    """Every link in a plain text, as written, in order, each once."""
    found = {m.start(): m.group(0) for m in _script_urls(text)}
    read = 0
    for at in _anchors(text):
        if at < read:
            continue
        start = _token_start(text, at, read)
        m = _SCHEMED.match(text, start) or _DOMAIN.match(text, start)
        read = at + 1
        if m is None or m.end() <= at or not _is_link(m.group(0)):
            continue
        read = m.end()
        if not any(s <= start < s + len(u) for s, u in found.items()):
            found[start] = m.group(0).rstrip(".,;:!?")
    return [found[s] for s in sorted(found)]
