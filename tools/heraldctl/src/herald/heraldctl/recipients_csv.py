"""Recipient profiles from a CSV file, each row checked against the contract's Recipient.

Columns (header row required, any order; only `recipient_id` is mandatory, and `tenant`
unless a default tenant is given): recipient_id, tenant, timezone, locale, phone, email,
webhook, wechat_openid, tags (separated by `|` or `;`), consent_marketing,
consent_<channel> (app_push, sms, email, in_app, webhook, social), quiet_start, quiet_end
(HH:MM, both or neither).
Booleans are true/false, yes/no, y/n or 1/0; an empty cell means "not given".
Pure apart from reading the file.
"""

import csv
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from herald.contracts import Channel, Recipient, describe_validation_error
from herald.heraldctl.common import CommandError

CONTACTS = ("phone", "email", "webhook", "wechat_openid")
PLAIN = ("recipient_id", "tenant", "timezone", "locale")
KNOWN = (
    *PLAIN,
    *CONTACTS,
    "tags",
    "consent_marketing",
    *(f"consent_{c}" for c in Channel),
    "quiet_start",
    "quiet_end",
)
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


@dataclass
class Row:
    line: int
    recipient: Recipient | None = None
    problems: list[str] = field(default_factory=list)


def read_rows(path: Path, default_tenant: str | None) -> list[Row]:
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            lines = csv.reader(f)
            header = [h.strip().lower() for h in next(lines, [])]
            _check_header(path, header, default_tenant)
            rows = []
            start = lines.line_num + 1
            for cells in lines:
                if any(c.strip() for c in cells):
                    rows.append(_row(start, header, cells, default_tenant))
                start = lines.line_num + 1
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc
    _flag_repeats(rows)
    return rows


def _check_header(path: Path, header: list[str], default_tenant: str | None) -> None:
    if not header:
        raise CommandError(f"{path}: empty file (a header row is required)")
    unknown = [h for h in header if h not in KNOWN]
    if unknown:
        raise CommandError(
            f"{path}:1: unknown columns {', '.join(unknown)}; known: {', '.join(KNOWN)}"
        )
    if "recipient_id" not in header:
        raise CommandError(f"{path}:1: the column recipient_id is required")
    if "tenant" not in header and not default_tenant:
        raise CommandError(f"{path}:1: no tenant column; give --tenant for every row")
    repeated = sorted({h for h in header if header.count(h) > 1})
    if repeated:
        raise CommandError(f"{path}:1: repeated columns {', '.join(repeated)}")


def _row(line: int, header: list[str], cells: list[str], default_tenant: str | None) -> Row:
    row = Row(line)
    if len(cells) != len(header):
        row.problems.append(f"{len(cells)} values, but the header has {len(header)} columns")
        return row
    values = {h: c.strip() for h, c in zip(header, cells, strict=True)}
    if not values.get("tenant") and default_tenant:
        values["tenant"] = default_tenant
    document = _document(values, row.problems)
    try:
        recipient = Recipient.model_validate(document)
    except ValidationError as exc:
        row.problems += [
            f"{_COLUMN_OF.get(e.field, e.field)}: {e.message}"
            for e in describe_validation_error(exc)
        ]
    else:
        row.recipient = None if row.problems else recipient
    return row


def _document(values: dict[str, str], problems: list[str]) -> dict[str, Any]:
    doc: dict[str, Any] = {k: values[k] for k in PLAIN if values.get(k)}
    doc["contacts"] = {k: values[k] for k in CONTACTS if values.get(k)}
    doc["tags"] = [t.strip() for t in re.split(r"[|;]", values.get("tags", "")) if t.strip()]
    consent: dict[str, Any] = {"channels": {}}
    for column, text in values.items():
        if not column.startswith("consent_") or not text:
            continue
        flag = _BOOLS.get(text.lower())
        if flag is None:
            problems.append(f"{column}: expected true or false, got {text!r}")
        elif column == "consent_marketing":
            consent["marketing"] = flag
        else:
            consent["channels"][column.removeprefix("consent_")] = flag
    doc["consent"] = consent
    start, end = values.get("quiet_start"), values.get("quiet_end")
    if bool(start) != bool(end):
        problems.append("quiet_start, quiet_end: give both or neither")
    elif start and end:
        doc["quiet_hours"] = {"start": start, "end": end}
    return doc


def _flag_repeats(rows: list[Row]) -> None:
    """Compaction keeps only the last profile of a key: a repeat in one file is a mistake."""
    first: dict[str, int] = {}
    for row in rows:
        if row.recipient is None:
            continue
        line = first.setdefault(row.recipient.recipient_id, row.line)
        if line != row.line:
            row.problems.append(
                f"recipient_id: {row.recipient.recipient_id} is also on line {line}"
            )
            row.recipient = None
