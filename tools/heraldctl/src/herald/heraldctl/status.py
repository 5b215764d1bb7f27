"""`heraldctl status ID [--watch]`: a request's latest Status from intake.

`--watch` polls and prints every new status until a terminal one (duplicate, rejected,
completed, cancelled, expired). Polling shows the latest status at each poll, so a
status that lasted less than the interval may not be seen. While the request is not
known yet (it may still be on its way through push.requests.v1), watching waits for it.
"""

import asyncio
import time
from typing import Annotated, Any

import typer

from herald.contracts import TERMINAL_STATUSES, StatusKind
from herald.heraldctl.client import Api, RemoteError
from herald.heraldctl.common import (
    CommandError,
    Env,
    JsonOpt,
    env_of,
    intake_api,
    need_key,
    run,
    segment,
)
from herald.heraldctl.render import Output, cell, pairs

WatchOpt = Annotated[bool, typer.Option("--watch", "-w", help="Follow until a terminal status.")]
IntervalOpt = Annotated[float, typer.Option(min=0.1, help="Seconds between polls.")]
TimeoutOpt = Annotated[
    float, typer.Option(min=0, help="Give up watching after this many seconds (0: never).")
]


def status(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="The request_id.")],
    watch: WatchOpt = False,
    interval: IntervalOpt = 1.0,
    timeout: TimeoutOpt = 0,
    as_json: JsonOpt = False,
) -> None:
    """The latest status of a request; with --watch, each new one until it ends.

    With --watch the exit code is 0 when the request completed, 1 when it ended any other
    way (rejected, cancelled, expired) or the timeout passed.
    """
    env = env_of(ctx, as_json)
    need_key(env)
    work = _watch(env, request_id, interval, timeout) if watch else _once(env, request_id)
    run(env, work)


async def _once(env: Env, request_id: str) -> int:
    async with intake_api(env) as api:
        found = await api.call("GET", f"/v1/requests/{segment(request_id)}")
    _show(env.out, found, full=True)
    return 0


async def _watch(env: Env, request_id: str, interval: float, timeout: float) -> int:
    deadline = time.monotonic() + timeout if timeout else None
    last: tuple[Any, ...] | None = None
    waiting_noted = False
    async with intake_api(env) as api:
        while True:
            found = await _poll(api, request_id)
            if found is None and not waiting_noted:
                env.out.note(f"{request_id} is not known (yet); waiting for it")
                waiting_noted = True
            if found is not None and _identity(found) != last:
                last = _identity(found)
                _show(env.out, found, full=False)
                if found.get("status") in TERMINAL_STATUSES:
                    return 0 if found["status"] == StatusKind.COMPLETED else 1
            if deadline is not None and time.monotonic() >= deadline:
                raise CommandError(f"{request_id}: no terminal status after {timeout:g}s")
            await asyncio.sleep(interval)


async def _poll(api: Api, request_id: str) -> dict[str, Any] | None:
    try:
        found: dict[str, Any] = await api.call("GET", f"/v1/requests/{segment(request_id)}")
    except RemoteError as exc:
        if exc.status == 404:
            return None
        raise
    return found


def _identity(found: dict[str, Any]) -> tuple[Any, ...]:
    return (found.get("status"), found.get("at"), str(found.get("counts")))


def _show(out: Output, found: dict[str, Any], *, full: bool) -> None:
    if out.as_json:
        # one JSON document per line while watching, so scripts can stream them
        if full:
            out.json(found)
        else:
            out.json_line(found)
        return
    reasons = [f"{r.get('code')}: {r.get('message')}" for r in found.get("reasons") or []]
    if full:
        shown = {k: found.get(k) for k in ("request_id", "status", "at", "labels")}
        shown["reasons"] = reasons
        shown["counts"] = found.get("counts")
        out.show(pairs(shown, f"request {found.get('request_id')}"))
        return
    tail = f"  counts: {cell(found['counts'])}" if found.get("counts") else ""
    out.line(f"{found.get('at')}  {found.get('status')}{tail}")
    for reason in reasons:
        out.line(f"    {reason}")
