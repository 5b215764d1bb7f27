"""Reading a file of push requests (JSON or YAML; one object or a list) and checking each
against the contract's PushRequest, with the line of every problem where it can be found.

Pure apart from reading the file: nothing here talks to Herald.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]
from pydantic import ValidationError

from herald.contracts import PushRequest, describe_validation_error
from herald.heraldctl.common import CommandError


@dataclass(frozen=True)
class FieldProblem:
    field: str
    message: str
    line: int | None = None

    def as_json(self) -> dict[str, Any]:
        return {"field": self.field, "message": self.message, "line": self.line}


@dataclass
class Checked:
    """One request of the file, valid (`request`) or not (`problems`)."""

    index: int
    line: int | None
    body: Any
    request: PushRequest | None = None
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def request_id(self) -> str:
        rid = self.body.get("request_id") if isinstance(self.body, dict) else None
        return str(rid) if rid else f"#{self.index + 1}"


def _plain(value: Any) -> Any:
    """YAML's timestamps back to RFC 3339 strings, as the JSON contract has them."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def parse(path: Path) -> tuple[Any, Any]:
    """The document and its YAML node tree (for line numbers; None if unavailable)."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot read {path}: {exc}") from exc
    as_yaml = path.suffix.lower() in (".yaml", ".yml")
    try:
        data = yaml.safe_load(text) if as_yaml else json.loads(text)
    except json.JSONDecodeError as exc:
        if path.suffix.lower() == ".json":
            raise CommandError(
                f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}"
            ) from exc
        data = _yaml_or_fail(path, text)
    except yaml.YAMLError as exc:
        raise CommandError(_yaml_message(path, exc)) from exc
    try:
        nodes = yaml.compose(text)
    except yaml.YAMLError:
        nodes = None
    return _plain(data), nodes


def _yaml_or_fail(path: Path, text: str) -> Any:
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise CommandError(_yaml_message(path, exc)) from exc


def _yaml_message(path: Path, exc: Any) -> str:
    mark = getattr(exc, "problem_mark", None)
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
    return f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}"


def line_of(node: Any, path: Sequence[str | int]) -> int | None:
    """The line of the deepest node of `path` that exists (its parent if it is missing)."""
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for part in path:
        if isinstance(node, yaml.MappingNode):
            found = next(((k, v) for k, v in node.value if k.value == str(part)), None)
            if found is None:
                break
            line, node = found[0].start_mark.line + 1, found[1]
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int):
            if part >= len(node.value):
                break
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def check(path: Path) -> list[Checked]:
    data, nodes = parse(path)
    items = data if isinstance(data, list) else [data]
    if not items:
        raise CommandError(f"{path}: no requests in the file")
    base: tuple[int, ...] = ()
    checked = []
    for i, body in enumerate(items):
        base = (i,) if isinstance(data, list) else ()
        item = Checked(i, line_of(nodes, base), body)
        try:
            item.request = PushRequest.model_validate(_as_checked(body))
        except ValidationError as exc:
            item.problems = [
                FieldProblem(d.field, d.message, line_of(nodes, (*base, *_loc(e["loc"]))))
                for d, e in zip(describe_validation_error(exc), exc.errors(), strict=True)
            ]
        checked.append(item)
    _flag_repeats(checked)
    return checked


_STAND_IN = {"title": "-", "body": "-"}


def _as_checked(body: Any) -> Any:
    """A request naming a stored template has no content until intake fills it in: the
    rest of it is checked here (with a stand-in content), the template's values there."""
    if isinstance(body, dict) and "template" in body and "content" not in body:
        return body | {"content": _STAND_IN}
    return body


def _loc(loc: Sequence[Any]) -> list[str | int]:
    return [p for p in loc if not str(p).startswith("function-")]


def _flag_repeats(checked: list[Checked]) -> None:
    """The same request_id twice in one file is a mistake (a duplicate or a conflict)."""
    first: dict[str, Checked] = {}
    for item in checked:
        if item.request is None:
            continue
        earlier = first.setdefault(item.request.request_id, item)
        if earlier is not item:
            where = f"line {earlier.line}" if earlier.line else f"item #{earlier.index + 1}"
            item.problems.append(
                FieldProblem("request_id", f"repeats the request at {where}", item.line)
            )
            item.request = None
