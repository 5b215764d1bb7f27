"""One line of an import into a Recipient of the caller's tenant, or why not. Pure.

NDJSON: each line a Recipient as the contract has it (`tenant` may be left out; if given
it must be the caller's). CSV: a header line, then one recipient per line (no line
breaks inside a field); the columns are heraldctl's (`CSV_COLUMNS`), and
`attributes.<key>`; an empty cell is no value.
"""

import csv
import json
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from herald.contracts import Channel, Recipient, describe_validation_error

CONTACTS = ("phone", "email", "webhook", "wechat_openid")
CSV_COLUMNS = (
    "recipient_id",
    "tenant",
    "timezone",
    "locale",
    *CONTACTS,
    "push_tokens",
    "tags",
    "consent_marketing",
    *(f"consent_{c}" for c in Channel),
    "quiet_start",
    "quiet_end",
)
"""The columns heraldctl's CSV files have always had, and `push_tokens` (`platform:token`,
several separated by `|`); `attributes.<key>` columns besides. `tags`: separated by `|`
or `;`; `consent_*`: true/false (yes/no, y/n, 1/0); `quiet_start`/`quiet_end`: HH:MM,
both or neither."""
ATTRIBUTE_COLUMN = "attributes."
_BOOLS = {"true": True, "yes": True, "y": True, "1": True, "false": False, "no": False}
_BOOLS |= {"n": False, "0": False}
_COLUMN_OF = {
    **{f"contacts.{c}": c for c in CONTACTS},
    "consent.marketing": "consent_marketing",
    **{f"consent.channels.{c}": f"consent_{c}" for c in Channel},
    "quiet_hours.start": "quiet_start",
    "quiet_hours.end": "quiet_end",
    "quiet_hours": "quiet_start",
}
"""A Recipient's field as the CSV column it came from, for error reports."""


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
        columns = tuple(_column_name(c) for c in next(csv.reader([header.lstrip("\ufeff")])))
        unknown = [c for c in columns if c not in CSV_COLUMNS and not _attribute(c)]
        if unknown:
            raise HeaderError(
                f"unknown column(s) {', '.join(repr(c[:64]) for c in unknown[:5])}; known: "
                f"{', '.join(CSV_COLUMNS)}, attributes.<key>"
            )
        if "recipient_id" not in columns:
            raise HeaderError("the header has no recipient_id column")
        if len(set(columns)) != len(columns):
            raise HeaderError("a column is named twice")
        return cls(columns)

    def row(self, text: str, tenant: str) -> Recipient:
        cells = next(csv.reader([text]), [])
        if len(cells) != len(self.columns):
            raise LineError(f"{len(cells)} values, but the header has {len(self.columns)} columns")
        values = {c: v.strip() for c, v in zip(self.columns, cells, strict=True) if v.strip()}
        try:
            return recipient_of(_document(values), tenant)
        except LineError as exc:
            exc.field = _COLUMN_OF.get(exc.field, exc.field)
            raise


def _column_name(raw: str) -> str:
    name = raw.strip()
    return name if _attribute(name) else name.lower()


def _attribute(column: str) -> bool:
    return column.startswith(ATTRIBUTE_COLUMN) and len(column) > len(ATTRIBUTE_COLUMN)


def _flag(column: str, value: str) -> bool:
    flag = _BOOLS.get(value.lower())
    if flag is None:
        raise LineError(f"expected true or false, got {value[:20]!r}", column)
    return flag


def _document(values: dict[str, str]) -> dict[str, Any]:
    plain = ("recipient_id", "tenant", "timezone", "locale")
    doc: dict[str, Any] = {k: values[k] for k in plain if k in values}
    doc["contacts"] = {k: values[k] for k in CONTACTS if k in values}
    if "push_tokens" in values:
        doc["contacts"]["push_tokens"] = [_token(t) for t in values["push_tokens"].split("|")]
    doc["tags"] = [t.strip() for t in re.split(r"[|;]", values.get("tags", "")) if t.strip()]
    consent: dict[str, Any] = {"channels": {}}
    for column, text in values.items():
        if column == "consent_marketing":
            consent["marketing"] = _flag(column, text)
        elif column.startswith("consent_"):
            consent["channels"][column.removeprefix("consent_")] = _flag(column, text)
    doc["consent"] = consent
    start, end = values.get("quiet_start"), values.get("quiet_end")
    if bool(start) != bool(end):
        raise LineError("give both or neither", "quiet_start, quiet_end")
    if start and end:
        doc["quiet_hours"] = {"start": start, "end": end}
    doc["attributes"] = {c[len(ATTRIBUTE_COLUMN) :]: v for c, v in values.items() if _attribute(c)}
    return doc


def _token(text: str) -> dict[str, str]:
    platform, sep, token = text.partition(":")
    if not sep:
        raise LineError("a push token is written platform:token", "push_tokens")
    return {"platform": platform.strip(), "token": token.strip()}
