"""Personal data in content: mainland mobile numbers, resident ID numbers (checksum),
bank card numbers (Luhn) and people's email addresses. Evidence is always masked."""

import re
from collections.abc import Callable, Iterator

from herald.contracts import ReasonCode
from herald.review.engine.findings import Finding, Kind, Piece, Severity
from herald.review.policy import PersonalDataPolicy

_RUN = re.compile(r"[0-9０-９](?:[-\s]?[0-9０-９]){10,21}[Xx]?")
"""Where a number could be: 11 digits or more, single spaces or dashes between."""
_ID = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![\d])(?:\+?86[-\s]?)?1[3-9]\d[-\s]?\d{4}[-\s]?\d{4}(?![\d])")
_CARD = re.compile(r"(?<![\d])(?:\d[ -]?){15,18}\d(?![\d])")
_EMAIL = re.compile(
    r"[A-Za-z0-9._%+-]{1,64}+@[A-Za-z0-9-]{1,63}+(?:\.[A-Za-z0-9-]{1,63}+){0,8}\.[A-Za-z]{2,24}"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def valid_id_number(number: str) -> bool:
    digits = number.upper()
    total = sum(int(d) * w for d, w in zip(digits[:17], _ID_WEIGHTS, strict=True))
    month, day = int(digits[10:12]), int(digits[12:14])
    return _ID_CHECK[total % 11] == digits[17] and 1 <= month <= 12 and 1 <= day <= 31


def luhn(number: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(number)):
        d = int(ch)
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def mask(value: str) -> str:
    keep = 3 if len(value) > 8 else 1
    return value[:keep] + "*" * max(len(value) - 2 * keep, 1) + value[-keep:]


def _digits(s: str) -> str:
    return re.sub(r"\D", "", s)


def _numbers(text: str) -> Iterator[tuple[int, str]]:
    """(offset, slice) of every stretch that could hold a number, with one character of
    context either side (so the patterns' boundaries still see their neighbours)."""
    for run in _RUN.finditer(text):
        start = max(0, run.start() - 4)
        yield start, text[start : run.end() + 1]


def _emails(text: str) -> Iterator[re.Match[str]]:
    seen: set[str] = set()
    at = text.find("@")
    while at >= 0:
        window = text[max(0, at - 64) : at + 300]
        for m in _EMAIL.finditer(window):
            if m.group(0) not in seen:
                seen.add(m.group(0))
                yield m
        at = text.find("@", at + 300)


def _scan(text: str, policy: PersonalDataPolicy) -> Iterator[tuple[str, Severity, str]]:
    taken: list[tuple[int, int]] = []
    checks: list[tuple[re.Pattern[str], str, Severity, Callable[[str], bool]]] = [
        (_ID, "resident ID number", policy.id_number, valid_id_number),
        (_MOBILE, "mobile number", policy.mobile, lambda _: True),
        (_CARD, "bank card number", policy.bank_card, lambda s: luhn(_digits(s))),
    ]
    stretches = list(_numbers(text))
    for pattern, what, severity, check in checks:
        for offset, stretch in stretches:
            for m in pattern.finditer(stretch):
                start = offset + m.start()
                inside = any(a <= start < b for a, b in taken)
                if not inside and check(m.group(0)):
                    taken.append((start, offset + m.end()))
                    yield what, severity, mask(_digits(m.group(0)) or m.group(0))
    for m in _emails(text):
        local = m.group(0).split("@", 1)[0].lower()
        if local not in policy.role_mailboxes:
            yield "email address", policy.email, mask(m.group(0))


def personal_data(texts: list[Piece], policy: PersonalDataPolicy) -> list[Finding]:
    return [
        Finding(
            "personal_data",
            ReasonCode.PERSONAL_DATA,
            severity,
            piece.field,
            evidence,
            f"the content contains a {what}",
            what.replace(" ", "_").lower(),
        )
        for piece in texts
        if piece.kind != Kind.URL
        for what, severity, evidence in _scan(piece.text, policy)
    ]
