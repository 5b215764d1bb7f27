"""How many SMS segments a text takes: GSM-7 (160 characters in one message, 153 in
each part of a concatenated one; extension characters such as € count twice) or,
when any character is outside GSM-7, UCS-2 (70 / 67, counted in UTF-16 units)."""

from dataclasses import dataclass

_GSM7 = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXT = frozenset("^{}\\[~]|€\f")


@dataclass(frozen=True, slots=True)
class Segments:
    count: int
    encoding: str
    """GSM-7 or UCS-2."""
    units: int
    """Septets (GSM-7) or UTF-16 code units (UCS-2) the text takes."""


_GSM7_ANY = _GSM7 | _GSM7_EXT


def sms_segments(text: str) -> Segments:
    # set and str methods instead of a generator per character: the dispatcher counts
    # every SMS it sends
    if _GSM7_ANY.issuperset(text):
        units = len(text) + sum(text.count(c) for c in _GSM7_EXT)
        single, multi, encoding = 160, 153, "GSM-7"
    else:
        units = len(text.encode("utf-16-le")) // 2
        single, multi, encoding = 70, 67, "UCS-2"
    return Segments(1 if units <= single else -(-units // multi), encoding, units)
