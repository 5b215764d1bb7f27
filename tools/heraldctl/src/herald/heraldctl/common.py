"""What every command shares: global options, settings, output, running async work.

Exit codes: 0 ok, 1 a remote refusal or invalid input, 2 usage (bad flags, bad config).
"""

import asyncio
import urllib.parse
from collections.abc import Callable, Coroutine, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from aiokafka.errors import KafkaError

from herald.heraldctl import keys
from herald.heraldctl.client import Api, RemoteError
from herald.heraldctl.config import ConfigError, Settings, load_settings
from herald.heraldctl.render import Output, table

OK, FAILED, USAGE = 0, 1, 2

JsonOpt = Annotated[
    bool, typer.Option("--json", help="Machine-readable JSON on stdout, no tables or colours.")
]


class CommandError(Exception):
    """Invalid input or a refusal this tool already explained: exit code 1."""


@dataclass
class Globals:
    flags: dict[str, str | None] = field(default_factory=dict)
    config: Path | None = None
    as_json: bool = False


@dataclass
class Env:
    settings: Settings
    out: Output


def env_of(ctx: typer.Context, as_json: bool = False) -> Env:
    g = ctx.obj if isinstance(ctx.obj, Globals) else Globals()
    out = Output(as_json=as_json or g.as_json)
    try:
        settings = load_settings(g.flags, g.config)
    except ConfigError as exc:
        out.error(str(exc))
        raise typer.Exit(USAGE) from exc
    for warning in settings.warnings:
        out.warn(warning)
    return Env(settings, out)


def usage(out: Output, message: str) -> NoReturn:
    out.error(message)
    raise typer.Exit(USAGE)


def need_key(env: Env) -> str:
    """The API key; asked for at the terminal if none was given (and stdin is one)."""
    if not env.settings.api_key:
        try:
            typed = keys.prompt()
        except keys.KeyProblem as exc:
            usage(env.out, str(exc))
        if not typed:
            usage(
                env.out,
                "no API key: set HERALD_API_KEY, --api-key-file FILE or api_key_file in the "
                "config file, or run in a terminal to be asked for it",
            )
        sources = env.settings.sources | {"api_key": "prompt"}
        env.settings = replace(env.settings, api_key=typed, sources=sources)
    return env.settings.api_key


def run_keyed(
    ctx: typer.Context, as_json: bool, work: Callable[[Env], Coroutine[Any, Any, int | None]]
) -> NoReturn:
    """`run` for a command that needs an API key: the settings, the key (asked for if
    missing), then the command's async work."""
    env = env_of(ctx, as_json)
    need_key(env)
    run(env, work(env))


def intake_api(env: Env) -> Api:
    return Api(env.settings.intake_url, env.settings.api_key, name="intake")


def review_api(env: Env) -> Api:
    return Api(env.settings.review_url, env.settings.api_key, name="review")


def tracker_api(env: Env) -> Api:
    return Api(env.settings.tracker_url, env.settings.api_key, name="tracker")


def dispatcher_api(env: Env) -> Api:
    return Api(env.settings.dispatcher_url, env.settings.api_key, name="dispatcher")


async def ask(api: Api, method: str, path: str, **options: Any) -> Any:
    """One call's answer (`Api.call`), the connection closed after it."""
    async with api:
        return await api.call(method, path, **options)


def listing(
    env: Env,
    found: Any,
    columns: Sequence[str],
    rows: Iterable[Sequence[Any]],
    what: str,
) -> int:
    """A listing as a table titled with its count (`found` as it is under --json)."""
    if env.out.as_json:
        env.out.json(found)
        return 0
    shown = list(rows)
    env.out.show(table(columns, shown, f"{what} ({len(shown)})"))
    return 0


def segment(value: str) -> str:
    """`value` as one URL path segment (a `/` or `?` in an id stays part of the id)."""
    return urllib.parse.quote(value, safe="")


def run(env: Env, work: Coroutine[Any, Any, int | None]) -> NoReturn:
    """Run one command's async work; turn its failures into exit codes."""
    try:
        code = asyncio.run(work)
    except RemoteError as exc:
        env.out.problem(exc)
        raise typer.Exit(FAILED) from exc
    except KafkaError as exc:
        env.out.problem(RemoteError(0, "kafka_error", "Kafka failed", str(exc) or repr(exc)))
        raise typer.Exit(FAILED) from exc
    except CommandError as exc:
        if str(exc) and env.out.as_json:
            env.out.json({"error": {"code": "failed", "detail": str(exc)}})
        elif str(exc):
            env.out.error(str(exc))
        raise typer.Exit(FAILED) from exc
    raise typer.Exit(code or OK)
