"""`heraldctl callbacks ...`: status callbacks (intake; a submitter's key manages its
department's, an admin's every one of the tenant).

`add` prints the signing secret once: keep it where the receiver can read it
(docs/callbacks.md shows how a receiver verifies `Herald-Signature`).
"""

from enum import StrEnum
from typing import Annotated, Any, Literal

import typer

from herald.heraldctl.client import problem_of
from herald.heraldctl.common import Env, JsonOpt, ask, env_of, intake_api, listing, need_key, run
from herald.heraldctl.render import Output, pairs, table

app = typer.Typer(help="Status callbacks: where every status is POSTed.", no_args_is_help=True)
IdArg = Annotated[str, typer.Argument(help="The callback's id (cb_...).")]
Scope = Literal["department", "tenant"]


class Event(StrEnum):
    STATUS = "status"
    STANDING = "standing"


State = Literal["pending", "delivered", "failed"]


@app.command()
def add(
    ctx: typer.Context,
    url: Annotated[str, typer.Argument(help="The https URL that receives the POSTs.")],
    scope: Annotated[Scope, typer.Option(help="Your department's, or (admins) the tenant's.")] = (
        "department"
    ),
    department: Annotated[
        str | None, typer.Option(help="Admins: whose (default: the key's own).")
    ] = None,
    event: Annotated[
        list[Event] | None, typer.Option("--event", help="status, standing (default: both).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Register a callback URL; prints its signing secret, once."""
    env = env_of(ctx, as_json)
    body: dict[str, Any] = {"url": url, "scope": scope}
    if department:
        body["department"] = department
    if event:
        body["events"] = [str(e) for e in dict.fromkeys(event)]
    run(env, _show_one(env, "POST", "/v1/callbacks", json=body))


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The callbacks this key manages."""
    env = env_of(ctx, as_json)
    run(env, _list(env))


@app.command()
def remove(ctx: typer.Context, callback_id: IdArg, as_json: JsonOpt = False) -> None:
    """Remove a callback, with its deliveries."""
    env = env_of(ctx, as_json)
    run(env, _remove(env, callback_id))


@app.command("rotate-secret")
def rotate_secret(ctx: typer.Context, callback_id: IdArg, as_json: JsonOpt = False) -> None:
    """A new signing secret (printed once); the old one still signs for a grace period."""
    env = env_of(ctx, as_json)
    run(env, _show_one(env, "POST", f"/v1/callbacks/{callback_id}/rotate-secret"))


@app.command()
def enable(ctx: typer.Context, callback_id: IdArg, as_json: JsonOpt = False) -> None:
    """Enable a callback that was disabled after failing; what waited is sent."""
    env = env_of(ctx, as_json)
    run(env, _show_one(env, "POST", f"/v1/callbacks/{callback_id}/enable"))


@app.command()
def deliveries(
    ctx: typer.Context,
    callback_id: IdArg,
    state: Annotated[State | None, typer.Option(help="Only these.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    as_json: JsonOpt = False,
) -> None:
    """A callback's latest deliveries, each with its attempts."""
    env = env_of(ctx, as_json)
    params = {"limit": str(limit), **({"state": state} if state else {})}
    run(env, _deliveries(env, callback_id, params))


@app.command()
def replay(
    ctx: typer.Context,
    callback_id: IdArg,
    delivery_id: Annotated[str, typer.Argument(help="The delivery's id (dlv_...).")],
    as_json: JsonOpt = False,
) -> None:
    """Send one delivery again now (same event id and body, a fresh signature)."""
    env = env_of(ctx, as_json)
    path = f"/v1/callbacks/{callback_id}/deliveries/{delivery_id}/replay"
    run(env, _replayed(env, path))


async def _call(env: Env, method: str, path: str, **kwargs: Any) -> Any:
    need_key(env)
    return await ask(intake_api(env), method, path, **kwargs)


async def _show_one(env: Env, method: str, path: str, **kwargs: Any) -> int:
    found = await _call(env, method, path, **kwargs)
    if env.out.as_json:
        env.out.json(found)
        return 0
    env.out.show(pairs({k: _cell(v) for k, v in found.items() if v is not None}, found["id"]))
    if found.get("secret"):
        env.out.note("The secret is shown this once: keep it for verifying Herald-Signature.")
    return 0


async def _list(env: Env) -> int:
    found = await _call(env, "GET", "/v1/callbacks")
    rows = (
        (c["id"], c["scope"], c.get("department") or "-", c["url"], ",".join(c["events"]),
         "active" if c["active"] else f"disabled: {c.get('disabled_reason')}")
        for c in found["callbacks"]
    )  # fmt: skip
    columns = ("id", "scope", "department", "url", "events", "state")
    return listing(env, found, columns, rows, "callbacks")


async def _remove(env: Env, callback_id: str) -> int:
    need_key(env)
    async with intake_api(env) as api:
        response = await api.send("DELETE", f"/v1/callbacks/{callback_id}")
    if not response.is_success:
        raise problem_of(response)
    if env.out.as_json:
        env.out.json({"id": callback_id, "removed": True})
    else:
        env.out.line(f"removed {callback_id}")
    return 0


async def _deliveries(env: Env, callback_id: str, params: dict[str, str]) -> int:
    found = await _call(env, "GET", f"/v1/callbacks/{callback_id}/deliveries", params=params)
    if env.out.as_json:
        env.out.json(found)
        return 0
    _print_deliveries(env.out, found["deliveries"], f"deliveries of {callback_id}")
    return 0


async def _replayed(env: Env, path: str) -> int:
    found = await _call(env, "POST", path)
    if env.out.as_json:
        env.out.json(found)
    else:
        env.out.line(f"{found['id']} is due again ({found['label']} of {found['subject']})")
    return 0


def _print_deliveries(out: Output, found: list[dict[str, Any]], title: str) -> None:
    rows = []
    for d in found:
        last = (d.get("attempts") or [{}])[-1]
        rows.append(
            (d["id"], d["type"], d["subject"], d["label"], d["state"], len(d["attempts"]),
             last.get("status_code") or last.get("error") or "-",
             d.get("next_attempt_at") or "-")
        )  # fmt: skip
    columns = ("delivery", "type", "subject", "what", "state", "attempts", "last", "next try")
    out.show(table(columns, rows, title))


def _cell(value: Any) -> Any:
    return ", ".join(map(str, value)) if isinstance(value, list) else value
