"""One line of an import into a Recipient of the caller's tenant, or why not. Pure.

NDJSON: each line a Recipient as the contract has it (`tenant` may be left out; if given
it must be the caller's). CSV: a header line, then one recipient per line (no line
breaks inside a field); the columns are in `CSV_COLUMNS`, `consent.<channel>` and
`attributes.<key>`; an empty cell is no value.
"""

import csv
import json
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from herald.contracts import Channel, Recipient, describe_validation_error

LIST_SEPARATOR = "|"
CSV_COLUMNS = (
    "recipient_id",
    "timezone",
    "locale",
    "phone",
    "email",
    "webhook",
    "wechat_openid",
    "push_tokens",
    "tags",
    "consent.marketing",
    "quiet_hours.start",
    "quiet_hours.end",
)
"""`push_tokens`: `platform:token`, several separated by `|`; `tags`: separated by `|`;
`consent.*`: true/false (also 1/0, yes/no)."""
_CONTACTS = ("phone", "email", "webhook", "wechat_openid")
_TRUE, _FALSE = frozenset({"true", "1", "yes", "y"}), frozenset({"false", "0", "no", "n"})


class LineError(ValueError):
    def __init__(self, message: str, field: str = "", recipient_id: str = "") -> None:
        super().__init__(message)
        self.message, self.field, self.recipient_id = message, field, recipient_id


class HeaderError(ValueError):
    """The CSV header names a column the import does not know (nothing is imported)."""


def recipient_of(data: Any, tenant: str) -> Recipient:
    """A decoded line as a Recipient of `tenant`, or `LineError` naming the first field."""
    if not isinstance(data, dict):
        raise LineError("not a JSON object")
    rid = data.get("recipient_id")
    rid = rid[:128] if isinstance(rid, str) else ""
    given = data.get("tenant")
    if given is not None and given != tenant:
        raise LineError(f"this key imports into tenant {tenant} only", "tenant", rid)
    try:
        return Recipient.model_validate(data | {"tenant": tenant})
    except ValidationError as exc:
        first = describe_validation_error(exc)[0]
        raise LineError(first.message, first.field, rid) from exc


def from_ndjson(text: str, tenant: str) -> Recipient:
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise LineError(f"not valid JSON: {exc}") from exc
    return recipient_of(data, tenant)


@dataclass(frozen=True, slots=True)
class CsvLayout:
    columns: tuple[str, ...]

    @classmethod
    def parse(cls, header: str) -> "CsvLayout":
        columns = tuple(c.strip() for c in next(csv.reader([header])))
        unknown = [c for c in columns if not _known_column(c)]
        if unknown:
            raise HeaderError(
                f"unknown column(s) {', '.join(repr(c[:64]) for c in unknown[:5])}; known: "
                f"{', '.join(CSV_COLUMNS)}, consent.<channel>, attributes.<key>"
            )
        if "recipient_id" not in columns:
            raise HeaderError("the header has no recipient_id column")
        if len(set(columns)) != len(columns):
            raise HeaderError("a column is named twice")
        return cls(columns)

    def row(self, text: str, tenant: str) -> Recipient:
        cells = next(csv.reader([text]), [])
        if len(cells) != len(self.columns):
            raise LineError(f"{len(cells)} fields where the header has {len(self.columns)}")
        data = _nested({c: v for c, v in zip(self.columns, cells, strict=True) if v != ""})
        return recipient_of(data, tenant)


def _known_column(c: str) -> bool:
    if c in CSV_COLUMNS or (c.startswith("attributes.") and len(c) > len("attributes.")):
        return True
    return c.startswith("consent.") and c[len("consent.") :] in set(Channel)


def _flag(column: str, value: str) -> bool:
    v = value.strip().lower()
    if v in _TRUE or v in _FALSE:
        return v in _TRUE
    raise LineError(f"'{value[:20]}' is not true or false", column)


def _nested(cells: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {"contacts": {}, "consent": {"channels": {}}, "attributes": {}}
    for column, value in cells.items():
        head, _, rest = column.partition(".")
        if column in _CONTACTS:
            out["contacts"][column] = value
        elif column == "push_tokens":
            out["contacts"]["push_tokens"] = [_token(t) for t in value.split(LIST_SEPARATOR)]
        elif column == "tags":
            out["tags"] = [t for t in value.split(LIST_SEPARATOR) if t]
        elif column == "consent.marketing":
            out["consent"]["marketing"] = _flag(column, value)
        elif head == "consent":
            out["consent"]["channels"][rest] = _flag(column, value)
        elif head == "quiet_hours":
            out.setdefault("quiet_hours", {})[rest] = value
        elif head == "attributes":
            out["attributes"][rest] = value
        else:
            out[column] = value
    return out


def _token(text: str) -> dict[str, str]:
    platform, sep, token = text.partition(":")
    if not sep:
        raise LineError("a push token is written platform:token", "push_tokens")
    return {"platform": platform.strip(), "token": token.strip()}
