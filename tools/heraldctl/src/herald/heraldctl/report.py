"""`heraldctl report ID` and `heraldctl report --since 7d`: tracker's reports as tables,
with the funnel (sent, delivered, read or opened, clicked) as a bar chart.

A range report covers the API key's tenant; `--tenant` states which tenant you expect,
and a key of another tenant is an error rather than a silently different report.
"""

from typing import Annotated, Any

import typer

from herald.heraldctl.common import (
    CommandError,
    Env,
    JsonOpt,
    ask,
    env_of,
    need_key,
    run,
    segment,
    tracker_api,
    usage,
)
from herald.heraldctl.render import Output, funnel, pairs, percent, table
from herald.heraldctl.timespec import parse_time

TALLY = ("sent", "delivered", "failed", "opened", "read", "clicked", "read_rate", "click_rate",
         "unsubscribed", "unsubscribe_rate")  # fmt: skip
SUMMARY = ("recipients", *TALLY, "suppressed", "expired", "cancelled")
RATES = ("read_rate", "click_rate", "unsubscribe_rate")
BREAKDOWNS = ("suppressed_by_reason", "failed_by_reason", "deferred_by_reason")


def report(
    ctx: typer.Context,
    request_id: Annotated[str | None, typer.Argument(help="One request's report.")] = None,
    tenant: Annotated[str | None, typer.Option(help="The tenant you expect.")] = None,
    since: Annotated[str | None, typer.Option(help="7d, 24h, ... or an RFC 3339 time.")] = None,
    until: Annotated[str | None, typer.Option(help="Default: now.")] = None,
    department: Annotated[str | None, typer.Option(help="Only this department.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A request's report, or the tenant's by department over a range (default 7 days)."""
    env = env_of(ctx, as_json)
    if request_id and (since or until or department):
        usage(env.out, "give a request id, or --since/--until/--department, not both")
    need_key(env)
    if request_id:
        run(env, _one(env, request_id, tenant))
    run(env, _range(env, range_params(env, since, until, department), tenant))


def range_params(
    env: Env, since: str | None, until: str | None, department: str | None
) -> dict[str, str]:
    """Tracker's query for a range report (a bad --since/--until is a usage error)."""
    params = {"department": department} if department else {}
    for name, value in (("since", since), ("until", until)):
        if value:
            try:
                params[name] = parse_time(value).isoformat()
            except ValueError as exc:
                usage(env.out, f"--{name}: {exc}")
    return params


async def _get(env: Env, path: str, params: dict[str, str] | None = None) -> Any:
    return await ask(tracker_api(env), "GET", path, params=params)


async def _one(env: Env, request_id: str, tenant: str | None) -> int:
    found = await _get(env, f"/v1/requests/{segment(request_id)}/report")
    expect_tenant(found, tenant)
    if env.out.as_json:
        env.out.json(found)
        return 0
    head = {k: found.get(k) for k in ("request_id", "tenant", "department", "status", "labels")}
    env.out.show(pairs(head, f"report of {request_id}"))
    _show_report(env.out, found)
    return 0


async def _range(env: Env, params: dict[str, str], tenant: str | None) -> int:
    found = await _get(env, "/v1/reports", params)
    expect_tenant(found, tenant)
    return show_range(env, found)


def show_range(env: Env, found: dict[str, Any]) -> int:
    """A range report as tables (or JSON under --json)."""
    if env.out.as_json:
        env.out.json(found)
        return 0
    out = env.out
    out.line(f"tenant {found['tenant']}, {found['since']} to {found['until']}", "bold")
    if found.get("label") and "values" not in found:
        out.line(f"requests labelled {found['label']}")
    # per department, or per value of a label (`reports --by-label`)
    by, groups = ("department", found.get("departments"))
    if "values" in found:
        by, groups = (f"label {found['label']}", found["values"])
    rows = [(d, *_pick(r, SUMMARY)) for d, r in (groups or {}).items()]
    rows.append(("(total)", *_pick(found["total"], SUMMARY)))
    out.show(table((by.split()[0], *SUMMARY), rows, f"by {by}"))
    _show_report(out, found["total"], summary=False)
    return 0


def _reasons(counts: dict[str, int] | None) -> str:
    return ", ".join(f"{k} {n}" for k, n in (counts or {}).items())


def expect_tenant(found: dict[str, Any], tenant: str | None) -> None:
    if tenant and found.get("tenant") != tenant:
        raise CommandError(f"the API key belongs to tenant {found.get('tenant')}, not {tenant}")


def _pick(r: dict[str, Any], names: tuple[str, ...]) -> list[Any]:
    return [percent(r.get(n)) if n in RATES else r.get(n) for n in names]


def _show_report(out: Output, r: dict[str, Any], *, summary: bool = True) -> None:
    if summary:
        out.show(pairs(dict(zip(SUMMARY, _pick(r, SUMMARY), strict=True)), "totals"))
    channels: dict[str, Any] = r.get("channels") or {}
    if channels:
        rows = [(c, *_pick(t, TALLY)) for c, t in channels.items()]
        out.show(table(("channel", *TALLY), rows, "by channel"))
    providers: dict[str, Any] = r.get("providers") or {}
    if providers:
        rows = [
            (c, p, *_pick(t, TALLY), _reasons(t.get("failed_by_reason")))
            for c, by in providers.items()
            for p, t in by.items()
        ]
        out.show(table(("channel", "provider", *TALLY, "failed by reason"), rows, "by provider"))
    for name in BREAKDOWNS:
        if r.get(name):
            out.show(table(("reason", "count"), r[name].items(), name.replace("_", " ")))
    stages = [
        ("sent", r.get("sent") or 0),
        ("delivered", r.get("delivered") or 0),
        ("read/opened", r.get("opened") or 0),
        ("clicked", r.get("clicked") or 0),
    ]
    out.show(funnel(stages))
