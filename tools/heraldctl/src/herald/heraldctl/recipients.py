"""`heraldctl recipients import FILE.csv`: recipient profiles onto push.recipients.v1.

All or nothing: every row is checked first, and one bad row means nothing is published.
Each profile is keyed by its recipient_id and signed with the producer credential in the
settings (herald.heraldctl.signing): Herald accepts profiles of that credential's tenant
only. The topic is compacted, so importing the same file again replaces the profiles with
themselves, and an import the broker interrupted can simply be run again.
"""

from pathlib import Path
from typing import Annotated

import typer

from herald.contracts import Topic
from herald.heraldctl import kafka
from herald.heraldctl.common import CommandError, Env, JsonOpt, env_of, run
from herald.heraldctl.recipients_csv import Row, read_rows
from herald.heraldctl.render import advance, table
from herald.heraldctl.signing import signer

app = typer.Typer(help="Recipient profiles (push.recipients.v1).", no_args_is_help=True)


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A CSV file.")],
    tenant: Annotated[
        str | None, typer.Option(help="Tenant for rows without a tenant cell.")
    ] = None,
    check_only: Annotated[
        bool, typer.Option("--check", help="Only check the rows; publish nothing.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check every row against the contract, then publish them all (or nothing)."""
    env = env_of(ctx, as_json)
    run(env, _import(env, file, tenant, check_only))


async def _import(env: Env, file: Path, tenant: str | None, check_only: bool) -> int:
    rows = read_rows(file, tenant)
    bad = [r for r in rows if r.problems]
    topic = env.settings.topic(Topic.RECIPIENTS)
    if bad:
        _show_bad(env, file, bad, len(rows))
        raise CommandError("")
    if not rows:
        raise CommandError(f"{file}: no rows")
    if check_only:
        _done(env, len(rows), topic, published=False)
        return 0
    items = [
        (r.recipient.recipient_id, r.recipient.model_dump_json(exclude_none=True).encode())
        for r in rows
        if r.recipient is not None
    ]
    sign = signer(env.settings, Topic.RECIPIENTS)
    async with kafka.producer(env.settings.bootstrap_servers) as p:
        with env.out.progress("publishing", len(items)) as bar:
            await kafka.publish(p, topic, items, lambda: advance(bar), sign)
    _done(env, len(items), topic, published=True)
    return 0


def _show_bad(env: Env, file: Path, bad: list[Row], total: int) -> None:
    if env.out.as_json:
        problems = [{"line": r.line, "problems": r.problems} for r in bad]
        env.out.json({"published": 0, "rows": total, "bad_rows": problems})
        return
    rows = [(f"{file}:{r.line}", p) for r in bad for p in r.problems]
    env.out.show(table(("where", "problem"), rows, "bad rows"))
    env.out.line(f"{len(bad)} of {total} rows are bad; nothing was published", "red")


def _done(env: Env, n: int, topic: str, *, published: bool) -> None:
    if env.out.as_json:
        env.out.json({"published": n if published else 0, "rows": n, "topic": topic})
    elif published:
        env.out.line(f"published {n} recipient profiles to {topic}", "green")
    else:
        env.out.line(f"all {n} rows are valid; nothing was published (--check)", "green")
