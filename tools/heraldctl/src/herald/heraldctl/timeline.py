"""`heraldctl timeline`: the tenant's outcomes per hour or day (tracker's
`GET /v1/reports/timeline`): recipients, sent, delivered, failed, read and click rates in
each bucket, every bucket of the range listed; `--department` or `--request` narrow it."""

from typing import Annotated, Literal

import typer

from herald.heraldctl.common import Env, JsonOpt, ask, env_of, need_key, run, tracker_api
from herald.heraldctl.render import percent, table
from herald.heraldctl.report import range_params


def timeline(
    ctx: typer.Context,
    since: Annotated[
        str | None,
        typer.Option(
            help="24h, 7d, ... or an RFC 3339 time (default: 1 day by hour, 7 days by day)."
        ),
    ] = None,
    until: Annotated[str | None, typer.Option(help="Default: now.")] = None,
    bucket: Annotated[Literal["hour", "day"], typer.Option(help="Bucket size (UTC).")] = "day",
    department: Annotated[str | None, typer.Option(help="Only this department.")] = None,
    request: Annotated[str | None, typer.Option(help="Only this request.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Outcomes per hour or day over a range, with read and click rates."""
    env = env_of(ctx, as_json)
    params = range_params(env, since, until, department) | {"bucket": bucket}
    if request:
        params["request_id"] = request
    need_key(env)
    run(env, _timeline(env, params))


async def _timeline(env: Env, params: dict[str, str]) -> int:
    found = await ask(tracker_api(env), "GET", "/v1/reports/timeline", params=params)
    if env.out.as_json:
        env.out.json(found)
        return 0
    rows = [
        (b.get("start"), b.get("recipients"), b.get("sent"), b.get("delivered"),
         b.get("failed"), b.get("suppressed"), percent(b.get("read_rate")),
         percent(b.get("click_rate")))
        for b in found.get("buckets") or []
    ]  # fmt: skip
    columns = ("start", "recipients", "sent", "delivered", "failed", "suppressed", "read", "click")
    env.out.show(table(columns, rows, f"by {found.get('bucket', params['bucket'])} ({len(rows)})"))
    return 0
