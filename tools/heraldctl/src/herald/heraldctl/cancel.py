"""`heraldctl cancel ID`: stop what has not been sent yet (intake; a submitter's key).

Intake answers at once (`cancelling`); the scheduler then stops the sends not yet
handed on and the request ends `cancelled` (`status ID --watch` follows it). A request
that has already ended is refused (409), an unknown one is 404: both exit 1.
"""

from typing import Annotated

import typer

from herald.heraldctl.common import Env, JsonOpt, intake_api, run_keyed, segment
from herald.heraldctl.render import pairs


# deliberate declaration: a command's arguments and help, as typer reads them for --help
def cancel(
    ctx: typer.Context,
    request_id: Annotated[str, typer.Argument(help="The request_id.")],
    as_json: JsonOpt = False,
) -> None:
    """Cancel a request: what has not been sent yet is not sent."""
    run_keyed(ctx, as_json, lambda env: _cancel(env, request_id))


async def _cancel(env: Env, request_id: str) -> int:
    async with intake_api(env) as api:
        found = await api.call("POST", f"/v1/requests/{segment(request_id)}/cancel")
    if env.out.as_json:
        env.out.json(found)
        return 0
    env.out.show(pairs(found, f"cancel of {request_id}"))
    env.out.note(f"follow it with: heraldctl status {request_id} --watch")
    return 0
