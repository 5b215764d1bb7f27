"""`heraldctl recipients import FILE`, `get ID`, `erase ID`: the recipient API.

By default through intake's HTTP API (`herald.heraldctl.recipients_http`; an API key of
role `directory` or `admin`, no Kafka access needed): a `.csv`, `.ndjson` or `.jsonl`
file is streamed up and checked line by line by intake, which publishes the profiles for
the key's tenant. `--mode all-or-nothing` (the default) publishes nothing if a line is
bad; `best-effort` publishes the good lines. `--via kafka` publishes a CSV file straight
to push.recipients.v1 as before (a producer credential; every row checked first, all or
nothing), keyed by recipient_id and signed (herald.heraldctl.signing). The topic is
compacted, so importing the same file again replaces the profiles with themselves, and an
interrupted import can simply be run again.
"""

from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from herald.contracts import Topic
from herald.heraldctl import kafka, recipients_http
from herald.heraldctl.common import CommandError, Env, JsonOpt, env_of, need_key, run, run_keyed
from herald.heraldctl.recipients_csv import Row, read_rows
from herald.heraldctl.render import advance, table
from herald.heraldctl.signing import signer

app = typer.Typer(help="Recipient profiles: import, look up, erase.", no_args_is_help=True)


class Via(StrEnum):
    HTTP = "http"
    KAFKA = "kafka"


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all-or-nothing"
    BEST_EFFORT = "best-effort"


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="A .csv, .ndjson or .jsonl file.")
    ],
    mode: Annotated[
        ImportMode, typer.Option(help="Publish nothing if a line is bad, or the good lines.")
    ] = ImportMode.ALL_OR_NOTHING,
    via: Annotated[
        Via, typer.Option(help="Intake's HTTP API (an API key), or Kafka (a producer credential).")
    ] = Via.HTTP,
    tenant: Annotated[
        str | None, typer.Option(help="--via kafka: tenant for rows without a tenant cell.")
    ] = None,
    check_only: Annotated[
        bool, typer.Option("--check", help="Only check the lines; publish nothing.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check every line against the contract and publish the profiles."""
    env = env_of(ctx, as_json)
    if via == Via.KAFKA:
        run(env, _import(env, file, tenant, check_only))
    need_key(env)
    wire_mode = mode.value.replace("-", "_")
    run(env, recipients_http.import_file(env, file, wire_mode, check_only))


# deliberate declaration: a command's arguments and help, as typer reads them for --help
@app.command("get")
def get(
    ctx: typer.Context,
    recipient_id: Annotated[str, typer.Argument(help="The recipient_id.")],
    as_json: JsonOpt = False,
) -> None:
    """A recipient as Herald's directory holds it now."""
    run_keyed(ctx, as_json, lambda env: recipients_http.lookup(env, recipient_id))


# deliberate declaration: a command's arguments and help, as typer reads them for --help
@app.command("erase")
def erase(
    ctx: typer.Context,
    recipient_id: Annotated[str, typer.Argument(help="The recipient_id.")],
    as_json: JsonOpt = False,
) -> None:
    """Erase a recipient everywhere Herald keeps anything about them."""
    run_keyed(ctx, as_json, lambda env: recipients_http.erase(env, recipient_id))


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
