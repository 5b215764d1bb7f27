"""`heraldctl standing`: who is on the strike ladder, and an admin's reinstatement.

Review keeps a standing (warned, restricted, banned) per requester and department of the
tenant; `standing` lists them (a reviewer's, viewer's or admin's key) and `standing
reinstate requester|department SUBJECT` puts one back in good standing (an admin's key;
earlier strikes stop counting).
"""

from typing import Annotated, Any, Literal

import typer

from herald.heraldctl.common import Env, JsonOpt, ask, listing, review_api, run_keyed, segment
from herald.heraldctl.render import pairs

app = typer.Typer(
    help="Requesters and departments on the strike ladder (with no subcommand: list them); "
    "reinstate one (admin).",
    invoke_without_command=True,
)
Kind = Literal["requester", "department"]


@app.callback()
def standing(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """Without a subcommand: every requester and department that has a standing."""
    if ctx.invoked_subcommand is not None:
        return
    run_keyed(ctx, as_json, _list)


@app.command()
def reinstate(
    ctx: typer.Context,
    kind: Annotated[Kind, typer.Argument(help="requester or department.")],
    subject: Annotated[str, typer.Argument(help="The requester's user or the department.")],
    as_json: JsonOpt = False,
) -> None:
    """Back to good standing (admin only); earlier strikes stop counting."""
    run_keyed(ctx, as_json, lambda env: _reinstate(env, kind, subject))


async def _list(env: Env) -> int:
    found = await _call(env, "GET", "/v1/standing")
    rows = (
        (s.get("subject_kind"), s.get("subject"), s.get("standing"), s.get("at"))
        for s in found.get("standing") or []
    )
    return listing(env, found, ("kind", "subject", "standing", "since"), rows, "standing")


async def _reinstate(env: Env, kind: str, subject: str) -> int:
    path = f"/v1/standing/{segment(kind)}/{segment(subject)}/reinstate"
    found = await _call(env, "POST", path)
    if env.out.as_json:
        env.out.json(found)
    else:
        env.out.show(pairs(found, f"{kind} {subject} reinstated"))
    return 0


async def _call(env: Env, method: str, path: str) -> Any:
    return await ask(review_api(env), method, path)
