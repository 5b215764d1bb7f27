"""Highlight the evidence the engine found, escaping everything else. Pure: no I/O.

Findings are stored with the field they were found in and their evidence quoted from
the requester's text (terms joined by ", ", a link as written). Every literal
occurrence of a piece of evidence in that field's text is wrapped in <mark>; the rest
is escaped, so nothing the requester wrote can become markup.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from markupsafe import Markup, escape

_QUOTING_RULES = frozenset({"sensitive_terms", "links", "source", "personal_data"})
"""Rules whose evidence quotes the text (markup and format findings describe it instead)."""


def needles_by_field(findings: Iterable[Mapping[str, Any]]) -> dict[str, list[str]]:
    """For each field, the strings the rules quoted from it."""
    found: dict[str, list[str]] = defaultdict(list)
    for f in findings:
        evidence = str(f.get("evidence") or "")
        if f.get("rule") not in _QUOTING_RULES or not evidence:
            continue
        parts = evidence.split(", ") if f.get("rule") == "sensitive_terms" else [evidence]
        found[str(f.get("field", ""))] += [p for p in parts if p.strip()]
    return dict(found)


def spans(text: str, needles: Iterable[str]) -> list[tuple[int, int]]:
    """Every occurrence of every needle, overlapping ones merged, in order."""
    hits: list[tuple[int, int]] = []
    for needle in set(needles):
        at = text.find(needle)
        while needle and at >= 0:
            hits.append((at, at + len(needle)))
            at = text.find(needle, at + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(hits):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def highlight(text: str, needles: Iterable[str]) -> Markup:
    """The text escaped, with every needle's occurrences in <mark>."""
    out: list[str] = []
    last = 0
    for start, end in spans(text, needles):
        out += [escape(text[last:start]), Markup("<mark>"), escape(text[start:end])]
        out.append(Markup("</mark>"))
        last = end
    out.append(escape(text[last:]))
    return Markup("").join(out)
