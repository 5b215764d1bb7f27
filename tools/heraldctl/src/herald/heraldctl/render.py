"""Output: rich tables and bars for people, plain JSON (`--json`) for scripts.

Results go to stdout; progress bars, warnings and errors go to stderr, so
`heraldctl ... --json | jq` always reads clean JSON. Text from Herald (content, notes,
error messages) is shown as text, never interpreted as rich markup.
"""

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from herald.heraldctl.client import RemoteError

BAR_WIDTH = 40


class Output:
    def __init__(self, *, as_json: bool) -> None:
        self.as_json = as_json
        self.out = Console(highlight=False, soft_wrap=False)
        self.err = Console(stderr=True, highlight=False, soft_wrap=True)

    def json(self, data: Any) -> None:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
        sys.stdout.flush()

    def raw(self, text: str) -> None:
        """Text as it came (a CSV document), nothing added."""
        sys.stdout.write(text)
        sys.stdout.flush()

    def json_line(self, data: Any) -> None:
        """One compact JSON document per line (JSON Lines), for streams."""
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
        sys.stdout.flush()

    def show(self, *renderables: Any) -> None:
        for r in renderables:
            self.out.print(r)

    def line(self, text: str, style: str | None = None) -> None:
        self.out.print(escape(text), style=style)

    def note(self, text: str) -> None:
        """A message for the person at the terminal (stderr; silent under --json)."""
        if not self.as_json:
            self.err.print(escape(text), style="dim")

    def warn(self, text: str) -> None:
        """A warning on stderr, also under --json (stdout stays clean JSON)."""
        self.err.print(f"[bold yellow]warning:[/] {escape(text)}")

    def error(self, text: str) -> None:
        self.err.print(f"[bold red]error:[/] {escape(text)}")

    def problem(self, exc: RemoteError) -> None:
        if self.as_json:
            self.json({"error": exc.as_json()})
            return
        self.error(str(exc))
        for e in exc.errors:
            self.err.print(
                f"  {escape(str(e.get('field') or '-'))}: {escape(str(e.get('message')))}"
            )

    def progress(self, what: str, total: int, *, show: bool = True) -> Progress:
        """A progress bar on stderr (hidden under --json); advance with `advance(bar)`."""
        bar = Progress(
            TextColumn(escape(what)),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=self.err,
            disable=self.as_json or not show,
            transient=False,
        )
        bar.add_task(what, total=total)
        return bar


def advance(bar: Progress, n: int = 1) -> None:
    bar.advance(bar.task_ids[0], n)


def percent(value: float | None) -> str:
    return "-" if value is None else f"{value:.1%}"


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, Mapping):
        return ", ".join(f"{k}={cell(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple):
        return ", ".join(cell(v) for v in value) or "-"
    return str(value)


def table(columns: Sequence[str], rows: Iterable[Sequence[Any]], title: str | None = None) -> Table:
    t = Table(*columns, title=title, title_justify="left")
    for row in rows:
        t.add_row(*(escape(cell(v)) for v in row))
    return t


def pairs(data: Mapping[str, Any], title: str | None = None) -> Table:
    """A two-column table of a mapping's scalar members."""
    return table(("field", "value"), data.items(), title)


def funnel(stages: Sequence[tuple[str, int]], title: str = "funnel") -> Table:
    """A small horizontal bar chart: each stage against the first (100%)."""
    top = max((n for _, n in stages), default=0)
    t = Table("stage", "", "count", "of first", title=title, title_justify="left", box=None)
    first = stages[0][1] if stages else 0
    for name, n in stages:
        width = round(BAR_WIDTH * n / top) if top else 0
        share = f"{n / first:.1%}" if first else "-"
        t.add_row(name, "[green]" + "█" * width + "[/]" + "·" * (BAR_WIDTH - width), str(n), share)
    return t


def _records(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, Mapping) for v in value)


def generic(data: Any, title: str = "result") -> list[Table]:
    """Any JSON object as tables: its scalars (and lists of scalars) in one, each nested
    object or list of objects in its own. For answers whose shape this tool does not know
    in advance (the dry-run report)."""
    if not isinstance(data, Mapping):
        return [table(("value",), [[data]], title)]
    scalars = {k: v for k, v in data.items() if not isinstance(v, Mapping) and not _records(v)}
    out = [pairs(scalars, title)] if scalars else []
    for key, value in data.items():
        name = f"{title}.{key}" if title != "result" else key
        if isinstance(value, Mapping) and value:
            out.extend(generic(value, name))
        elif _records(value):
            columns = list(dict.fromkeys(k for v in value for k in v))
            out.append(table(columns, ([v.get(c) for c in columns] for v in value), name))
    return out
