"""Turn pydantic's validation errors into the field-level messages the contract promises."""

from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True, slots=True)
class FieldError:
    field: str
    message: str
    value: Any = None

    def __str__(self) -> str:
        return f"{self.field}: {self.message}" if self.field else self.message


_MESSAGES = {
    "missing": "field required",
    "string_too_long": "at most {max_length} characters",
    "string_too_short": "at least {min_length} characters",
    "too_long": "at most {max_length} items",
    "too_short": "at least {min_length} items",
    "string_pattern_mismatch": "must match {pattern}",
    "timezone_aware": "needs a time zone offset (RFC 3339)",
    "json_invalid": "not valid JSON: {error}",
}


def _message(err: Any) -> str:
    template = _MESSAGES.get(err["type"])
    ctx = err.get("ctx") or {}
    if template:
        try:
            return template.format(**ctx)
        except (KeyError, IndexError):
            return template
    msg = str(err["msg"])
    return msg.removeprefix("Value error, ")


def _short(value: Any) -> Any:
    if isinstance(value, str) and len(value) > 80:
        return value[:77] + "..."
    if isinstance(value, dict | list):
        return None
    return value


def describe_validation_error(exc: ValidationError) -> list[FieldError]:
    """One FieldError per problem, with a dotted field path such as `content.title`."""
    out = []
    for err in exc.errors():
        field = ".".join(str(p) for p in err["loc"] if not str(p).startswith("function-"))
        out.append(FieldError(field, _message(err), _short(err.get("input"))))
    return out
