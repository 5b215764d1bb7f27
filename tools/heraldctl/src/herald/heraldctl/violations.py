"""`heraldctl violations`: the violations board (review's `GET /v1/violations`): requesters
and departments that are warned, restricted or banned, worst first, with each strike's
date, who struck (rules or a reviewer) and reason codes, and, where review's policy shows
them to the key's role, request ids and excerpts. Who may see it is review's policy."""

from typing import Any

import typer

from herald.heraldctl.common import Env, JsonOpt, ask, review_api, run_keyed
from herald.heraldctl.render import table


def violations(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The violations board: who is warned, restricted or banned, and for what."""
    run_keyed(ctx, as_json, _board)


async def _board(env: Env) -> int:
    found = await ask(review_api(env), "GET", "/v1/violations")
    if env.out.as_json:
        env.out.json(found)
        return 0
    entries = found.get("violations") or []
    rows = [
        (e.get("subject_kind"), e.get("subject"), e.get("department"), e.get("standing"),
         e.get("since"), e.get("strikes"), _last(e.get("violations") or []))
        for e in entries
    ]  # fmt: skip
    title = f"violations in the last {found.get('window_days')} days ({len(rows)})"
    columns = ("kind", "subject", "department", "standing", "since", "strikes", "last strike")
    env.out.show(table(columns, rows, title))
    return 0


def _last(strikes: list[dict[str, Any]]) -> str:
    if not strikes:
        return "-"
    s = max(strikes, key=lambda x: str(x.get("at")))
    where = f" {s['request_id']}" if s.get("request_id") else ""
    return f"{s.get('at')} by {s.get('by')}: {', '.join(s.get('codes') or [])}{where}"
