"""`heraldctl consent RECIPIENT_ID`: what a recipient chose through Herald (an admin's key
of the tenant): their current opt-outs and every audited change, newest first, from the
dispatcher's `GET /v1/consent/{recipient_id}`."""

from typing import Annotated

import typer

from herald.heraldctl.common import Env, JsonOpt, ask, dispatcher_api, run_keyed, segment
from herald.heraldctl.render import table


def consent(
    ctx: typer.Context,
    recipient_id: Annotated[str, typer.Argument(help="The recipient's id.")],
    limit: Annotated[int, typer.Option(min=1, max=500, help="At most this many changes.")] = 100,
    as_json: JsonOpt = False,
) -> None:
    """A recipient's opt-outs made through Herald and the audit of every change (admin)."""
    run_keyed(ctx, as_json, lambda env: _consent(env, recipient_id, limit))


async def _consent(env: Env, recipient_id: str, limit: int) -> int:
    path = f"/v1/consent/{segment(recipient_id)}"
    found = await ask(dispatcher_api(env), "GET", path, params={"limit": str(limit)})
    if env.out.as_json:
        env.out.json(found)
        return 0
    opted = [(o.get("category"), o.get("channel")) for o in found.get("opted_out") or []]
    env.out.show(
        table(("category", "channel"), opted, f"{recipient_id} opted out of ({len(opted)})")
    )
    changes = [
        (c.get("at"), c.get("category"), c.get("channel"),
         "in" if c.get("allowed") else "out", c.get("source"), c.get("evidence"),
         c.get("delivery_id"))
        for c in found.get("changes") or []
    ]  # fmt: skip
    columns = ("at", "category", "channel", "direction", "source", "evidence", "delivery")
    env.out.show(table(columns, changes, f"changes ({len(changes)})"))
    return 0
