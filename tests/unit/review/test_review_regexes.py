"""Every regular expression of the engine, the link library and the log redaction is
linear-time: every repetition is bounded, nothing refers back, and repetitions nested in
repetitions that may give characters back multiply to a small constant. With that, one
match attempt reads a bounded window, so a search is linear in the text's length."""

import re
from re import _constants as c  # type: ignore[attr-defined]
from re import _parser  # type: ignore[attr-defined]
from types import ModuleType
from typing import Any

import pytest

from herald.policy import urls
from herald.review.engine import rule_format, rule_personal, sounds, terms
from herald.runtime import logging as runtime_logging

_MODULES = (rule_format, rule_personal, sounds, terms, urls, runtime_logging)
_NESTED_LIMIT = 1024
_REPEATS = (c.MAX_REPEAT, c.MIN_REPEAT)


def _patterns() -> list[tuple[str, re.Pattern[Any]]]:
    """Every module-level pattern, and every pattern in a module-level tuple."""
    found: list[tuple[str, re.Pattern[Any]]] = []
    for m in _MODULES:
        for name, value in vars(m).items():
            values = value if isinstance(value, tuple) else (value,)
            found += [(f"{m.__name__}.{name}", v) for v in values if isinstance(v, re.Pattern)]
    return found


def _walk(items: Any, outer: int, problems: list[str]) -> None:
    for op, arg in items:
        if op in (*_REPEATS, c.POSSESSIVE_REPEAT):
            low, high, body = arg
            if high == c.MAXREPEAT:
                problems.append(f"unbounded repetition {{{low},}}")
                continue
            inner = outer * high if op in _REPEATS else 1
            if op in _REPEATS and outer > 1 and inner > _NESTED_LIMIT:
                problems.append(f"nested repetitions multiply to {inner}")
            _walk(body, inner if op in _REPEATS else outer, problems)
        elif op in (c.GROUPREF, c.GROUPREF_EXISTS):
            problems.append("backreference")
        elif op == c.SUBPATTERN:
            _walk(arg[-1], outer, problems)
        elif op == c.BRANCH:
            for branch in arg[1]:
                _walk(branch, outer, problems)
        elif op in (c.ASSERT, c.ASSERT_NOT, c.ATOMIC_GROUP):
            _walk(arg[-1] if op != c.ATOMIC_GROUP else arg, outer, problems)


def test_the_audit_sees_every_module_pattern() -> None:
    names = {name for name, _ in _patterns()}
    assert {
        "herald.runtime.logging._PII", "herald.policy.urls._DOMAIN", "herald.policy.urls._EVASIVE",
    } <= names  # fmt: skip
    assert len(names) >= 10


@pytest.mark.parametrize(
    ("name", "pattern"), _patterns(), ids=lambda p: getattr(p, "pattern", p)[:30]
)
def test_every_pattern_is_linear_time(name: str, pattern: re.Pattern[Any]) -> None:
    problems: list[str] = []
    _walk(_parser.parse(pattern.pattern, pattern.flags), 1, problems)
    assert problems == [], f"{name}: {problems}"


def test_the_audit_catches_what_it_is_for() -> None:
    for bad in (r"[a-z]+@", r"(a{1,40}){1,40}", r"(a)\1"):
        problems: list[str] = []
        _walk(_parser.parse(bad, 0), 1, problems)
        assert problems, bad


_ = ModuleType  # the audited modules are module objects
