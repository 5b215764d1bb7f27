"""`heraldctl templates ...`: stored templates (intake keeps them; review decides a
published version, once; a submitter's key writes its department's, every key of the
tenant that reads requests reads them).

A template's texts are a file (JSON, or YAML for `.yaml`/`.yml`): `default` (a
`Content`: title, body, url, variants per channel) and `locales` (`zh-Hant`: a Content),
placeholders as docs/contract.md says, `{{ values.<key> }}` for what a request supplies.
"""

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import typer

from herald.heraldctl.client import Api
from herald.heraldctl.common import (
    CommandError,
    Env,
    JsonOpt,
    ask,
    env_of,
    intake_api,
    listing,
    need_key,
    review_api,
    run,
    segment,
)
from herald.heraldctl.render import pairs, table
from herald.heraldctl.requests_file import parse

app = typer.Typer(help="Stored templates: versions, publishing, review.", no_args_is_help=True)
NameArg = Annotated[str, typer.Argument(help="The template's name.")]
VersionArg = Annotated[int, typer.Argument(min=1, help="The version.")]
TextsArg = Annotated[Path, typer.Argument(help="The texts: JSON or YAML (default, locales).")]


def _texts(path: Path) -> dict[str, Any]:
    data, _ = parse(path)
    if not isinstance(data, dict) or "default" not in data:
        raise CommandError(f"{path}: the texts are an object with `default` (and `locales`)")
    return data


@app.command()
def create(
    ctx: typer.Context,
    name: NameArg,
    texts: TextsArg,
    category: Annotated[str, typer.Option(help="marketing, notification, ...")] = "notification",
    channel: Annotated[
        list[str] | None, typer.Option("--channel", help="Channels it is written for.")
    ] = None,
    description: Annotated[str, typer.Option()] = "",
    as_json: JsonOpt = False,
) -> None:
    """A new template of your department; its texts are version 1, a draft."""
    env = env_of(ctx, as_json)
    body = {
        "name": name,
        "category": category,
        "channels": channel or ["app_push"],
        "description": description,
        "texts": _texts(texts),
    }
    run(env, _version(env, "POST", "/v1/templates", json=body))


@app.command()
def edit(ctx: typer.Context, name: NameArg, texts: TextsArg, as_json: JsonOpt = False) -> None:
    """New texts: the next version, a draft (earlier versions stay as they were)."""
    env = env_of(ctx, as_json)
    path = f"/v1/templates/{segment(name)}/versions"
    run(env, _version(env, "POST", path, json={"texts": _texts(texts)}))


@app.command()
def publish(
    ctx: typer.Context, name: NameArg, version: VersionArg, as_json: JsonOpt = False
) -> None:
    """Send a draft to review; once approved, requests may use it."""
    env = env_of(ctx, as_json)
    run(env, _version(env, "POST", f"/v1/templates/{segment(name)}/versions/{version}/publish"))


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonOpt = False) -> None:
    """The tenant's templates, with their latest and latest published versions."""
    env = env_of(ctx, as_json)
    run(env, _list(env))


@app.command()
def show(
    ctx: typer.Context,
    name: NameArg,
    version: Annotated[int | None, typer.Option(min=1, help="One version, with its texts.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A template and its versions, or one version with its texts and review's reasons."""
    env = env_of(ctx, as_json)
    if version is None:
        run(env, _show(env, name))
    else:
        run(env, _version(env, "GET", f"/v1/templates/{segment(name)}/versions/{version}"))


@app.command()
def review(
    ctx: typer.Context,
    name: NameArg,
    version: VersionArg,
    decision: Annotated[Literal["approve", "reject"], typer.Argument()],
    note: Annotated[str, typer.Option(help="Why (shown to the publisher).")] = "",
    as_json: JsonOpt = False,
) -> None:
    """Reviewers: decide a version waiting for a human (not one you published)."""
    env = env_of(ctx, as_json)
    path = f"/v1/template-reviews/{segment(name)}/{version}/decision"
    body = {"decision": decision, "note": note}
    run(env, _decided(env, path, body))


async def _call(
    env: Env, service: Callable[[Env], Api], method: str, path: str, **kwargs: Any
) -> Any:
    need_key(env)
    return await ask(service(env), method, path, **kwargs)


async def _version(env: Env, method: str, path: str, **kwargs: Any) -> int:
    found = await _call(env, intake_api, method, path, **kwargs)
    if env.out.as_json:
        env.out.json(found)
        return 0
    shown = {k: v for k, v in found.items() if k not in ("texts", "reasons") and v is not None}
    env.out.show(pairs(shown, f"{found['name']} version {found['version']}"))
    for r in found.get("reasons", []):
        env.out.line(f"{r['code']}: {r['message']}")
    if found.get("texts"):
        env.out.json(found["texts"])
    return 0


async def _list(env: Env) -> int:
    found = await _call(env, intake_api, "GET", "/v1/templates")
    rows = (
        (t["name"], t["department"], t["category"], ",".join(t["channels"]),
         t["latest_version"], t["published_version"] or "-")
        for t in found["templates"]
    )  # fmt: skip
    columns = ("name", "department", "category", "channels", "latest", "published")
    return listing(env, found, columns, rows, "templates")


async def _show(env: Env, name: str) -> int:
    found = await _call(env, intake_api, "GET", f"/v1/templates/{segment(name)}")
    if env.out.as_json:
        env.out.json(found)
        return 0
    rows = [
        (v["version"], v["state"], v["created_by"], v["created_at"], v["decided_by"] or "-")
        for v in found["versions"]
    ]
    env.out.show(table(("version", "state", "by", "at", "decided by"), rows, name))
    return 0


async def _decided(env: Env, path: str, body: dict[str, Any]) -> int:
    found = await _call(env, review_api, "POST", path, json=body)
    if env.out.as_json:
        env.out.json(found)
    else:
        env.out.line(f"{found['name']} version {found['version']}: {found['state']}")
    return 0
