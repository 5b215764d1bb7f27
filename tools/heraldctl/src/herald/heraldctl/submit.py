"""`heraldctl submit FILE`: check every request locally, then POST them to intake.

Nothing is sent while any request in the file is invalid, unless `--skip-invalid`.
Each request is sent as written (YAML timestamps become RFC 3339 strings), so
resubmitting the same file is answered `duplicate`, never a conflict.
"""

import asyncio
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import typer

from herald.heraldctl import dry_run
from herald.heraldctl.client import Api, RemoteError, problem_of
from herald.heraldctl.common import CommandError, Env, JsonOpt, env_of, intake_api, need_key, run
from herald.heraldctl.render import Output, advance, table
from herald.heraldctl.requests_file import Checked, check

OUTCOMES = ("accepted", "duplicate", "rejected", "failed")


@dataclass
class Result:
    request_id: str
    outcome: str
    http_status: int
    status: str | None = None
    reasons: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def submit(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="JSON or YAML")],
    dry_run_: Annotated[
        bool, typer.Option("--dry-run", help="Ask intake what would happen; send nothing.")
    ] = False,
    skip_invalid: Annotated[
        bool, typer.Option("--skip-invalid", help="Send the valid requests even if some are not.")
    ] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Requests in flight.")] = 8,
    as_json: JsonOpt = False,
) -> None:
    """Validate push requests against the contract, then submit them to intake."""
    env = env_of(ctx, as_json)
    run(env, _submit(env, file, dry_run_, skip_invalid, concurrency))


async def _submit(env: Env, file: Path, dry: bool, skip_invalid: bool, concurrency: int) -> int:
    checked = check(file)
    valid = [c for c in checked if c.request is not None]
    invalid = [c for c in checked if c.request is None]
    going_on = skip_invalid and bool(valid)
    if invalid:
        _show_invalid(env.out, file, invalid, len(checked), going_on=going_on)
        if not going_on:
            raise CommandError("")
    need_key(env)
    async with intake_api(env) as api:
        if dry:
            left_out = [_invalid_json(c) for c in invalid]
            return await dry_run.run_all(env.out, api, valid, invalid=left_out)
        results = await _send_all(env.out, api, valid, concurrency)
    _show_results(env.out, results, invalid)
    bad = invalid or any(r.outcome in ("rejected", "failed") for r in results)
    return 1 if bad else 0


async def _send_all(out: Output, api: Api, items: list[Checked], concurrency: int) -> list[Result]:
    gate = asyncio.Semaphore(concurrency)
    with out.progress("submitting", len(items), show=len(items) > 1) as bar:

        async def one(item: Checked) -> Result:
            async with gate:
                result = await send_one(api, item)
            advance(bar)
            return result

        return list(await asyncio.gather(*(one(i) for i in items)))


async def send_one(api: Api, item: Checked) -> Result:
    body = json.dumps(item.body, ensure_ascii=False).encode()
    try:
        response = await api.send("POST", "/v1/requests", content=body)
    except RemoteError as exc:
        return Result(item.request_id, "failed", 0, reasons=[str(exc)])
    if response.status_code in (200, 202):
        status = response.json()
        outcome = "accepted" if response.status_code == 202 else "duplicate"
        return Result(item.request_id, outcome, response.status_code, status.get("status"))
    problem = problem_of(response)
    reasons = [f"{problem.code}: {problem.detail or problem.title}"]
    reasons += [f"{e.get('field')}: {e.get('message')}" for e in problem.errors]
    outcome = "failed" if response.status_code >= 500 else "rejected"
    return Result(item.request_id, outcome, response.status_code, reasons=reasons)


def _show_invalid(
    out: Output, file: Path, invalid: list[Checked], total: int, *, going_on: bool
) -> None:
    if out.as_json:  # when going on, the invalid ones are part of the final document
        if not going_on:
            out.json({"sent": 0, "invalid": [_invalid_json(c) for c in invalid]})
        return
    rows = [
        (c.request_id, f"{file}:{p.line}" if p.line else str(file), p.field or "-", p.message)
        for c in invalid
        for p in c.problems
    ]
    out.show(table(("request", "where", "field", "problem"), rows, "invalid requests"))
    tail = "skipping them" if going_on else "nothing was sent"
    out.line(f"{len(invalid)} of {total} requests are invalid; {tail}", "red")


def _invalid_json(c: Checked) -> dict[str, Any]:
    problems = [p.as_json() for p in c.problems]
    return {"request_id": c.request_id, "index": c.index, "line": c.line, "problems": problems}


def _show_results(out: Output, results: list[Result], invalid: list[Checked]) -> None:
    counts = {o: sum(r.outcome == o for r in results) for o in OUTCOMES}
    counts["invalid"] = len(invalid)
    if out.as_json:
        out.json(
            {
                "summary": counts,
                "results": [r.as_json() for r in results],
                "invalid": [_invalid_json(c) for c in invalid],
            }
        )
        return
    if len(results) == 1 and not invalid:
        r = results[0]
        style = "green" if r.outcome in ("accepted", "duplicate") else "red"
        out.line(f"{r.request_id}: {r.outcome} (status {r.status or '-'})", style)
        for reason in r.reasons:
            out.line(f"  {reason}")
        return
    rows = [(r.request_id, r.outcome, r.status, "; ".join(r.reasons)) for r in results]
    out.show(table(("request", "outcome", "status", "reasons"), rows, "requests"))
    out.show(table(("outcome", "count"), counts.items(), "summary"))
