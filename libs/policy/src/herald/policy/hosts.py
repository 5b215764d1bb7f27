"""What a URL's host really is: an IP address in any spelling, or a domain name and
whether it imitates another (look-alike characters, mixed scripts).

IPv4 is parsed the way browsers do (the WHATWG URL standard): `2130706433`,
`0x7f000001`, `0177.0.0.1`, `127.1` and `0x7f.1` are all 127.0.0.1. IPv6 in brackets,
including IPv4-mapped `[::ffff:127.0.0.1]`, is an IP too.
"""

import ipaddress
import unicodedata
from functools import cache, lru_cache

from confusable_homoglyphs import confusables

_DOTS = str.maketrans({"。": ".", "．": ".", "｡": "."})
_MAX_PARTS = 4


def _number(part: str) -> int | None:
    """One part of an IPv4 address: decimal, 0x-hex or 0-octal, as browsers read it."""
    text = part.lower()
    base = 10
    if text.startswith("0x"):
        text, base = text[2:], 16
    elif len(text) > 1 and text.startswith("0"):
        text, base = text[1:], 8
    if text == "":
        return 0 if base == 16 else None
    digits = {10: "0123456789", 16: "0123456789abcdef", 8: "01234567"}[base]
    if len(text) > 32 or not all(ch in digits for ch in text):
        return None
    return int(text, base)


def ipv4_of(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host spells, in any of the forms browsers accept, or None."""
    last = host.rstrip(".").rsplit(".", 1)[-1].lower()
    if not last or not (last.isdigit() or last.startswith("0x")):
        return None  # browsers read a host as IPv4 only when its last label is a number
    parts = host.rstrip(".").split(".")
    if not parts or len(parts) > _MAX_PARTS or any(p == "" for p in parts):
        return None
    numbers = [_number(p) for p in parts]
    if any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    *head, tail = values
    if any(v > 255 for v in head) or tail >= 256 ** (5 - len(values)):
        return None
    address = tail
    for i, v in enumerate(head):
        address += v << (8 * (3 - i))
    return ipaddress.IPv4Address(address)


def ip_of(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if host.startswith("[") and host.endswith("]"):
        try:
            v6 = ipaddress.IPv6Address(host[1:-1].split("%", 1)[0])
        except ValueError:
            return None
        return v6.ipv4_mapped or v6
    return ipv4_of(host)


def normal_host(host: str) -> str:
    """Lower-case, the dots browsers also accept (。．｡) as dots, no trailing dot."""
    return unicodedata.normalize("NFKC", host).translate(_DOTS).lower().rstrip(".")


def decoded_label(label: str) -> str:
    """A punycode label (xn--...) as the Unicode a reader sees; others unchanged."""
    if label.startswith("xn--"):
        try:
            return label[4:].encode("ascii").decode("punycode")
        except (UnicodeError, ValueError):
            return label
    return label


@cache
def _alikes() -> dict[str, str]:
    found: dict[str, str] = {}
    for key, others in confusables.confusables_data.items():
        for other in others:
            for a, b in ((key, other["c"]), (other["c"], key)):
                if len(a) == 1 and len(b) == 1 and not a.isascii() and b.isascii():
                    found.setdefault(a, b.lower())
    return found


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def look_alike(host: str) -> str | None:
    """Why a domain's Unicode labels imitate something else, or None.

    A label mixing scripts (Latin with Cyrillic or Greek) or written wholly in
    letters that each imitate a Latin letter (`аррӏе` in Cyrillic) is a look-alike;
    a label wholly in Chinese, or wholly in one script with letters of its own, is not.
    """
    if host.isascii() and "xn--" not in host:
        return None
    alikes = _alikes()
    for label in host.split("."):
        shown = decoded_label(label)
        if shown.isascii():
            continue
        letters = [c for c in shown if c.isalpha()]
        scripts = {_script(c) for c in letters} - {"CJK", "DIGIT"}
        if len(scripts) > 1 and "LATIN" in scripts:
            return f"label {shown} mixes scripts ({', '.join(sorted(scripts))})"
        if letters and all(c.isascii() or c in alikes for c in letters):
            skeleton = "".join(alikes.get(c, c) for c in shown)
            return f"label {shown} imitates {skeleton}"
    return None


def scripts_of(host: str) -> set[str]:
    """The scripts of the letters a reader sees in the host (punycode decoded)."""
    if host.isascii() and "xn--" not in host:
        return set()
    shown = "".join(decoded_label(label) for label in host.split("."))
    return {_script(c) for c in shown if c.isalpha() and not c.isascii()}


@lru_cache(maxsize=64)
def _domain_set(domains: tuple[str, ...]) -> frozenset[str]:
    return frozenset(d.lower().rstrip(".") for d in domains)


def parents(host: str) -> list[str]:
    """The host and every domain above it: a.b.example.com, b.example.com, example.com, com."""
    labels = host.split(".")
    return [".".join(labels[i:]) for i in range(len(labels))]


def on_domain(host: str, domains: tuple[str, ...]) -> str | None:
    """The listed domain this host is, or is a subdomain of."""
    listed = _domain_set(domains)
    return next((d for d in parents(host) if d in listed), None) if listed else None


def wears(host: str, protected: tuple[str, ...]) -> str | None:
    """A protected domain this host carries inside it without being on it
    (`www.icbc.com.cn.secure-verify.example` wears icbc.com.cn)."""
    listed = _domain_set(protected)
    labels = host.split(".")
    if not listed or len(labels) < 3 or on_domain(host, protected):
        return None
    for first in range(len(labels) - 1):
        for last in range(first + 2, len(labels)):
            inner = ".".join(labels[first:last])
            if inner in listed:
                return inner
    return None


_SKELETON = (("rn", "m"), ("vv", "w"), ("1", "l"), ("i", "l"), ("0", "o"))
"""ASCII spellings a reader takes for others: `rn` for `m`, `vv` for `w`, the digit one
and `i` (a capital `I` in a link) for `l`, zero for `o`."""


def _ascii_skeleton(name: str) -> str:
    for seen, read in _SKELETON:
        name = name.replace(seen, read)
    return name


@lru_cache(maxsize=64)
def _skeletons(domains: tuple[str, ...]) -> dict[str, str]:
    return {_ascii_skeleton(d): d for d in _domain_set(domains)}


def misspells(host: str, protected: tuple[str, ...]) -> str | None:
    """A protected domain this host (or a domain above it) reads as, in plain ASCII,
    without being it (`paypaI.com` reads as paypal.com, `rnicrosoft.com` as
    microsoft.com)."""
    if not protected or on_domain(host, protected):
        return None
    skeletons = _skeletons(protected)
    for domain in parents(host)[:-1]:
        imitated = skeletons.get(_ascii_skeleton(domain))
        if imitated is not None and imitated != domain:
            return imitated
    return None
