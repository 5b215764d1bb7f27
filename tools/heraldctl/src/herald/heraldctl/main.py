"""heraldctl's composition root: global options, then one command (group) per module.

Global options go before the command (`heraldctl --intake-url URL status ID`); `--json`
is accepted in both places.
"""

from pathlib import Path
from typing import Annotated

import typer

from herald.heraldctl import callbacks, dlq, key_admin, recipients, reviews, standing, templates
from herald.heraldctl.cancel import cancel
from herald.heraldctl.common import Globals, JsonOpt, env_of
from herald.heraldctl.consent import consent
from herald.heraldctl.render import pairs
from herald.heraldctl.report import report
from herald.heraldctl.reports import reports
from herald.heraldctl.status import status
from herald.heraldctl.submit import submit
from herald.heraldctl.timeline import timeline
from herald.heraldctl.violations import violations

app = typer.Typer(
    name="heraldctl",
    help="Herald from the terminal: submit pushes, follow and cancel them, review, standing, "
    "reports, status callbacks, recipients, dead letters.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

Flag = Annotated[str | None, typer.Option(show_default=False)]


@app.callback()
def main(
    ctx: typer.Context,
    config: Annotated[
        Path | None,
        typer.Option(help="Config file (TOML). Default: ~/.config/heraldctl.toml.", dir_okay=False),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            help="API key. Other users of the machine can see it in the process list: "
            "prefer HERALD_API_KEY, --api-key-file or the prompt.",
            show_default=False,
        ),
    ] = None,
    api_key_file: Annotated[
        Path | None,
        typer.Option(
            help="A file holding the API key (only you should be able to read it).",
            dir_okay=False,
            show_default=False,
        ),
    ] = None,
    intake_url: Flag = None,
    review_url: Flag = None,
    tracker_url: Flag = None,
    dispatcher_url: Flag = None,
    bootstrap_servers: Flag = None,
    topic_prefix: Flag = None,
    as_json: JsonOpt = False,
) -> None:
    """Settings: flags, then environment (HERALD_API_KEY or HERALD_API_KEY_FILE,
    HERALD_INTAKE_URL, HERALD_REVIEW_URL, HERALD_TRACKER_URL, HERALD_DISPATCHER_URL,
    KAFKA_BOOTSTRAP_SERVERS,
    HERALD_TOPIC_PREFIX), then the config file, then the local stack's defaults; with no
    API key anywhere, a command that needs one asks for it at the terminal.
    Exit codes: 0 ok, 1 refused or invalid, 2 usage."""
    flags = {
        "api_key": api_key,
        "api_key_file": str(api_key_file) if api_key_file else None,
        "intake_url": intake_url,
        "review_url": review_url,
        "tracker_url": tracker_url,
        "dispatcher_url": dispatcher_url,
        "bootstrap_servers": bootstrap_servers,
        "topic_prefix": topic_prefix,
    }
    ctx.obj = Globals(flags=flags, config=config, as_json=as_json)


@app.command("config")
def show_config(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The settings in effect and where each came from (the API key only as set/not set)."""
    env = env_of(ctx, as_json)
    described = env.settings.describe()
    if env.out.as_json:
        env.out.json(described)
        return
    env.out.show(pairs({k: f"{v['value']}  ({v['source']})" for k, v in described.items()}))


app.command()(submit)
app.command()(status)
app.command()(cancel)
app.command()(report)
app.command()(reports)
app.add_typer(recipients.app, name="recipients")
app.add_typer(reviews.app, name="reviews")
app.add_typer(standing.app, name="standing")
app.add_typer(dlq.app, name="dlq")
app.add_typer(callbacks.app, name="callbacks")
app.add_typer(templates.app, name="templates")
app.add_typer(key_admin.app, name="keys")
app.command()(consent)
app.command()(violations)
app.command()(timeline)
