"""The recipient API over HTTP (intake; a `directory` or admin key): import a file as it
streams from disk, look one recipient up, erase one.

The file goes up in chunks (a million rows never sit in memory); intake checks each line
and answers with a report naming every bad line (the first 1,000), as `FILE:LINE`.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from herald.heraldctl.client import problem_of
from herald.heraldctl.common import CommandError, Env, ask, intake_api, segment
from herald.heraldctl.render import pairs, table

CHUNK = 256 * 1024
_TYPES = {".csv": "text/csv", ".ndjson": "application/x-ndjson", ".jsonl": "application/x-ndjson"}


def content_type(file: Path) -> str:
    found = _TYPES.get(file.suffix.lower())
    if found is None:
        raise CommandError(f"{file}: name it .csv, .ndjson or .jsonl (the format it is in)")
    return found


async def _chunks(file: Path) -> AsyncIterator[bytes]:
    """The file as it is read (in a worker thread: the event loop never waits on disk)."""
    with file.open("rb") as f:
        while chunk := await asyncio.to_thread(f.read, CHUNK):
            yield chunk


async def import_file(env: Env, file: Path, mode: str, check_only: bool) -> int:
    params = {"mode": mode, "dry_run": "true" if check_only else "false"}
    headers = {"content-type": content_type(file)}
    async with intake_api(env) as api:
        response = await api.send(
            "POST", "/v1/recipients/import", content=_chunks(file), params=params, headers=headers
        )
    body: dict[str, Any] = {}
    with contextlib.suppress(ValueError):
        body = response.json()
    report = body.get("report", body) if isinstance(body, dict) else {}
    if not response.is_success and "lines" not in report:
        raise problem_of(response)
    _show(env, file, report, check_only)
    return 0 if response.is_success and not report.get("rejected") else 1


def _show(env: Env, file: Path, report: dict[str, Any], check_only: bool) -> None:
    if env.out.as_json:
        env.out.json(report)
        return
    errors = report.get("errors") or []
    if errors:
        rows = [
            (f"{file}:{e['line']}", f"{e['field']}: {e['message']}" if e["field"] else e["message"])
            for e in errors
        ]
        env.out.show(table(("where", "problem"), rows, "bad lines"))
        if report.get("errors_truncated"):
            env.out.note(f"the first {len(errors)} of {report['rejected']} bad lines are shown")
    n, bad, published = report.get("lines", 0), report.get("rejected", 0), report["published"]
    if check_only:
        done = "nothing was published (--check)"
        colour = "red" if bad else "green"
        env.out.line(f"{n - bad} of {n} lines are valid; {done}", colour)
    elif bad and not published:
        env.out.line(f"{bad} of {n} lines are bad; nothing was published", "red")
    else:
        colour = "yellow" if bad else "green"
        env.out.line(f"published {published} recipient profiles ({bad} bad lines)", colour)


async def lookup(env: Env, recipient_id: str) -> int:
    found = await ask(intake_api(env), "GET", f"/v1/recipients/{segment(recipient_id)}")
    if env.out.as_json:
        env.out.json(found)
    else:
        env.out.show(pairs(_flat(found), f"recipient {recipient_id}"))
    return 0


async def erase(env: Env, recipient_id: str) -> int:
    found = await ask(intake_api(env), "DELETE", f"/v1/recipients/{segment(recipient_id)}")
    if env.out.as_json:
        env.out.json(found)
    else:
        env.out.line(f"{recipient_id}: erasing everywhere Herald keeps it", "green")
    return 0


def _flat(found: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in found.items():
        if isinstance(v, dict) and v:
            out |= _flat(v, f"{prefix}{k}.")
        else:
            out[prefix + k] = v
    return out
