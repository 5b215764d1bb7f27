"""`heraldctl reports`: the tenant's report by department over a range, as tables, as
JSON (`--json`) or as tracker's own CSV (`--csv`), on stdout or into a file (`--output`).

The range is tracker's: `--since` (default 7 days back), `--until` (default now), at most
366 days. `--tenant` states the tenant you expect (the API key decides which it is).
`--label campaign:spring` counts only the requests carrying that label (`campaign` alone:
any value); `--by-label campaign` reports per value of the label instead of per
department. Tables show each channel's providers with failures by reason; `--providers`
adds a row per provider to the CSV.
"""

import asyncio
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from herald.heraldctl.client import problem_of

# deliberate declaration: the names this command uses (report.py, the one-request command,
# uses the same few from common)
from herald.heraldctl.common import (
    CommandError,
    Env,
    JsonOpt,
    env_of,
    need_key,
    run,
    segment,
    tracker_api,
    usage,
)
from herald.heraldctl.report import expect_tenant, range_params, show_range

SinceOpt = Annotated[str | None, typer.Option(help="7d, 24h, ... or an RFC 3339 time.")]


def reports(
    ctx: typer.Context,
    since: SinceOpt = None,
    until: Annotated[str | None, typer.Option(help="Default: now.")] = None,
    department: Annotated[str | None, typer.Option(help="Only this department.")] = None,
    label: Annotated[
        str | None, typer.Option(help="Only requests with this label: key:value or key.")
    ] = None,
    by_label: Annotated[
        str | None, typer.Option("--by-label", help="Per value of this label key.")
    ] = None,
    providers: Annotated[
        bool, typer.Option("--providers", help="CSV: a row per provider too.")
    ] = False,
    tenant: Annotated[str | None, typer.Option(help="The tenant you expect.")] = None,
    csv: Annotated[bool, typer.Option("--csv", help="Tracker's CSV instead of tables.")] = False,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", dir_okay=False, help="Write the JSON or CSV here."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The tenant by department (or by a label's value) over a range: tables, --json or
    --csv."""
    env = env_of(ctx, as_json)
    if csv and env.out.as_json:
        usage(env.out, "give --csv or --json, not both")
    if label and by_label:
        usage(env.out, "give --label or --by-label, not both")
    if output is not None and not (csv or env.out.as_json):
        usage(env.out, "--output writes JSON or CSV: add --json or --csv")
    params = range_params(env, since, until, department)
    if label:
        params["label"] = label
    path = f"/v1/reports/labels/{segment(by_label)}" if by_label else "/v1/reports"
    need_key(env)
    run(env, _reports(env, path, params, tenant, csv=csv, output=output, providers=providers))


async def _reports(
    env: Env,
    path: str,
    params: dict[str, str],
    tenant: str | None,
    *,
    csv: bool,
    output: Path | None,
    providers: bool = False,
) -> int:
    async with tracker_api(env) as api:
        found: Any = None
        if not csv or tenant:  # the CSV does not say whose it is: ask the JSON when it must
            found = await api.call("GET", path, params=params)
            expect_tenant(found, tenant)
        if csv:
            extra = {"format": "csv"} | ({"providers": "true"} if providers else {})
            answer = await api.send("GET", path, params=params | extra)
            if not answer.is_success:
                raise problem_of(answer)
            text = answer.text
        elif output is None:
            return show_range(env, found)
        else:
            text = json.dumps(found, ensure_ascii=False, indent=2) + "\n"
    if output is None:
        env.out.raw(text)
        return 0
    await asyncio.to_thread(_write, output, text)
    env.out.note(f"wrote {output}")
    return 0


def _write(path: Path, text: str) -> None:
    try:
        path.write_text(text, encoding="utf-8", newline="")
    except OSError as exc:
        raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from exc
