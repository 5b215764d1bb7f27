"""`heraldctl reviews ...`: the human review queue (needs a reviewer's API key).

Four eyes is the service's rule: deciding a request you submitted is refused (403).
"""

from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import typer

from herald.heraldctl.common import (
    Env,
    JsonOpt,
    ask,
    env_of,
    need_key,
    review_api,
    run,
    run_keyed,
    segment,
    usage,
)
from herald.heraldctl.render import Output, pairs, table

app = typer.Typer(help="The human review queue.", no_args_is_help=True)
State = Literal["pending", "approved", "rejected", "cancelled", "expired"]
IdArg = Annotated[str, typer.Argument(help="The request_id.")]


def _age(since: str | None) -> str:
    if not since:
        return "-"
    seconds = int((datetime.now(UTC) - datetime.fromisoformat(since)).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{max(seconds, 0)}s"


def _who(review: dict[str, Any]) -> dict[str, Any]:
    """Who submitted it, as their key says (a review from before that was kept: the
    body's requester)."""
    return dict(review.get("submitter") or review.get("requester") or {})


def _reasons(review: dict[str, Any]) -> str:
    return ", ".join(str(r.get("code")) for r in review.get("reasons") or []) or "-"


@app.command("list")
def list_(
    ctx: typer.Context,
    state: Annotated[State, typer.Option(help="Which reviews.")] = "pending",
    limit: Annotated[int, typer.Option(min=1, max=500)] = 100,
    as_json: JsonOpt = False,
) -> None:
    """Requests waiting for a human (or in another --state), oldest first."""
    run_keyed(ctx, as_json, lambda env: _list(env, state, limit))


async def _list(env: Env, state: str, limit: int) -> int:
    found = await _call(env, "GET", "/v1/reviews", params={"state": state, "limit": str(limit)})
    if env.out.as_json:
        env.out.json(found)
        return 0
    rows = [
        (
            r["request_id"],
            _who(r).get("user"),
            _who(r).get("department"),
            r.get("category"),
            (r.get("content") or {}).get("title"),
            _reasons(r),
            _age(r.get("waiting_since")),
        )
        for r in found["reviews"]
    ]
    columns = ("request", "submitter", "department", "category", "title", "reasons", "age")
    env.out.show(table(columns, rows, f"{state} reviews ({len(rows)})"))
    return 0


@app.command()
def show(ctx: typer.Context, request_id: IdArg, as_json: JsonOpt = False) -> None:
    """One review: content, findings, decision."""
    run_keyed(ctx, as_json, lambda env: _show(env, request_id))


async def _show(env: Env, request_id: str) -> int:
    found = await _call(env, "GET", f"/v1/reviews/{segment(request_id)}")
    _print_review(env.out, found)
    return 0


@app.command()
def audit(ctx: typer.Context, request_id: IdArg, as_json: JsonOpt = False) -> None:
    """Every automatic and human decision on a request, oldest first."""
    run_keyed(ctx, as_json, lambda env: _audit(env, request_id))


async def _audit(env: Env, request_id: str) -> int:
    found = await _call(env, "GET", f"/v1/reviews/{segment(request_id)}/audit")
    if env.out.as_json:
        env.out.json(found)
        return 0
    rows = [
        (e.get("at"), e.get("actor"), e.get("action"),
         ", ".join(str(r.get("code")) for r in e.get("reasons") or []) or "-", e.get("note"))
        for e in found.get("entries") or []
    ]  # fmt: skip
    columns = ("at", "actor", "action", "reasons", "note")
    env.out.show(table(columns, rows, f"audit of {request_id} ({len(rows)})"))
    return 0


# deliberate declaration: a command's arguments and help, as typer reads them for --help
@app.command()
def approve(
    ctx: typer.Context,
    request_id: IdArg,
    note: Annotated[str, typer.Option(help="Why (kept in the audit log).")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Approve a pending request: it goes on to the scheduler."""
    run_keyed(ctx, as_json, lambda env: _decide(env, request_id, "approve", note))


# deliberate declaration: a command's arguments and help, as typer reads them for --help
@app.command()
def reject(
    ctx: typer.Context,
    request_id: IdArg,
    note: Annotated[str, typer.Option(help="Why (required; the requester sees it).")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Reject a pending request with a note (reason reviewer_rejected)."""
    env = env_of(ctx, as_json)
    if not note.strip():
        usage(env.out, "reject needs --note: the requester is told why")
    need_key(env)
    run(env, _decide(env, request_id, "reject", note))


async def _decide(env: Env, request_id: str, decision: str, note: str) -> int:
    body = {"decision": decision, "note": note}
    found = await _call(env, "POST", f"/v1/reviews/{segment(request_id)}/decision", json=body)
    _print_review(env.out, found)
    return 0


async def _call(env: Env, method: str, path: str, **kwargs: Any) -> Any:
    return await ask(review_api(env), method, path, **kwargs)


def _submitter_line(r: dict[str, Any]) -> str | None:
    s = r.get("submitter")
    if not s:
        return None
    via = f"{s.get('via')} {s.get('credential')}".strip() if s.get("credential") else s.get("via")
    return f"{s.get('user')} ({s.get('department')}), via {via}"


def _print_review(out: Output, r: dict[str, Any]) -> None:
    if out.as_json:
        out.json(r)
        return
    content = r.get("content") or {}
    shown = {
        "request": r.get("request_id"),
        "state": r.get("state"),
        "submitter": _submitter_line(r),
        "requester": r.get("requester"),
        "category": r.get("category"),
        "channels": r.get("channels"),
        "title": content.get("title"),
        "body": content.get("body"),
        "url": content.get("url"),
        "waiting since": r.get("waiting_since"),
        "decided by": r.get("decided_by"),
        "decided at": r.get("decided_at"),
        "note": r.get("note"),
    }
    out.show(pairs(shown, f"review of {r.get('request_id')}"))
    reasons = [(x.get("code"), x.get("message")) for x in r.get("reasons") or []]
    if reasons:
        out.show(table(("code", "message"), reasons, "reasons"))
