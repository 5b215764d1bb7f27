"""Just enough PromQL reading to find the metric names and label matchers a query uses."""

import re
from collections.abc import Iterator

_KEYWORDS = {"by", "without", "on", "ignoring", "group_left", "group_right", "bool"}
_KEYWORDS |= {"and", "or", "unless", "offset", "inf", "nan"}
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_GROUPING = re.compile(r"\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_RANGE = re.compile(r"\[[^\]]*\]")
_NAME = re.compile(r"(?<![\w.$])[a-zA-Z_:][a-zA-Z0-9_:]*")
_SELECTOR = re.compile(r"(?<![\w.$])([a-zA-Z_:][a-zA-Z0-9_:]*)\s*\{([^}]*)\}")
_MATCHER = re.compile(r"([a-zA-Z_][a-zA-Z0-9_]*)\s*(?:=~|!~|!=|=)")


def metric_names(expr: str) -> set[str]:
    text = _STRING.sub('""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = _GROUPING.sub(" ", text)
    text = _RANGE.sub(" ", text)
    names = set()
    for m in _NAME.finditer(text):
        if text[m.end() :].lstrip().startswith("(") or m[0] in _KEYWORDS:
            continue
        names.add(m[0])
    return names


def selectors(expr: str) -> Iterator[tuple[str, set[str]]]:
    """(metric name, label names matched) for each `name{...}` in the query."""
    for m in _SELECTOR.finditer(_STRING.sub('""', expr)):
        yield m[1], set(_MATCHER.findall(m[2]))
