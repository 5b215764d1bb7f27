"""`heraldctl dlq list` and `heraldctl dlq replay --id P:O`: dead letters on push.dlq.v1.

A dead letter is identified by its own place on push.dlq.v1 (`partition:offset`). Replay
publishes its original bytes with its original key and headers to the topic it came from
(as that service named it, prefix included) or to `--to-topic`; it does not remove the
letter (Kafka cannot), so replaying twice publishes twice. Consumers are idempotent, but
check `dlq list` before replaying again. The original headers carry the original
producer's signature, which still verifies (it covers topic, key and value, none of which
changed): a replay needs no credential, and cannot make a refused record acceptable.
"""

import base64
import binascii
from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

import typer
from pydantic import ValidationError

from herald.contracts import DeadLetter, Topic
from herald.heraldctl import kafka
from herald.heraldctl.common import CommandError, Env, JsonOpt, env_of, run, usage
from herald.heraldctl.render import table
from herald.heraldctl.timespec import parse_time

app = typer.Typer(help="Dead letters (push.dlq.v1).", no_args_is_help=True)
MESSAGE_WIDTH = 80


def _letter(record: kafka.Record) -> DeadLetter | None:
    try:
        return DeadLetter.model_validate_json(record.value or b"")
    except ValidationError:
        return None


def _entry(record: kafka.Record, letter: DeadLetter | None) -> dict[str, Any]:
    head = {"id": f"{record.partition}:{record.offset}"}
    if letter is None:
        return head | {"unreadable": True, "key": (record.key or b"").decode("utf-8", "replace")}
    return head | letter.model_dump(mode="json")


@app.command("list")
def list_(
    ctx: typer.Context,
    limit: Annotated[int, typer.Option(min=1, help="Show the newest N.")] = 50,
    since: Annotated[str | None, typer.Option(help="7d, 24h, ... or an RFC 3339 time.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Dead letters, oldest first (read from the start; no consumer group, nothing committed)."""
    env = env_of(ctx, as_json)
    after = None
    if since:
        try:
            after = parse_time(since)
        except ValueError as exc:
            usage(env.out, f"--since: {exc}")
    run(env, _list(env, limit, after))


async def _list(env: Env, limit: int, after: datetime | None) -> int:
    records = await kafka.read_all(env.settings.bootstrap_servers, env.settings.topic(Topic.DLQ))
    entries = [(r, _letter(r)) for r in records]
    if after is not None:
        entries = [(r, d) for r, d in entries if d is None or d.at >= after]
    entries = entries[-limit:]
    if env.out.as_json:
        env.out.json({"dead_letters": [_entry(r, d) for r, d in entries]})
        return 0
    rows = [
        (
            f"{r.partition}:{r.offset}",
            d.at.isoformat(timespec="seconds"),
            d.service,
            d.source_topic,
            d.key,
            d.error,
            _short(d.message),
        )
        if d is not None
        else (f"{r.partition}:{r.offset}", "-", "-", "-", r.key, "(unreadable)", "-")
        for r, d in entries
    ]
    columns = ("id", "at", "service", "source topic", "key", "error", "message")
    env.out.show(table(columns, rows, f"dead letters ({len(rows)} of {len(records)})"))
    return 0


def _short(text: str) -> str:
    return text if len(text) <= MESSAGE_WIDTH else text[: MESSAGE_WIDTH - 1] + "…"


@app.command()
def replay(
    ctx: typer.Context,
    ids: Annotated[
        list[str], typer.Option("--id", help="partition:offset on push.dlq.v1 (repeatable).")
    ],
    to_topic: Annotated[
        str | None, typer.Option(help="Publish here instead of the source topic (full name).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Re-publish dead letters' original bytes, with their original keys, after a fix."""
    env = env_of(ctx, as_json)
    places = []
    for text in ids:
        try:
            partition, offset = (int(p) for p in text.split(":"))
        except ValueError:
            usage(env.out, f"--id {text!r}: expected partition:offset, such as 0:42")
        places.append((partition, offset))
    run(env, _replay(env, places, to_topic))


async def _replay(env: Env, places: list[tuple[int, int]], to_topic: str | None) -> int:
    s = env.settings
    letters = []
    for partition, offset in places:
        record = await kafka.read_one(s.bootstrap_servers, s.topic(Topic.DLQ), partition, offset)
        letter = _letter(record) if record else None
        if letter is None:
            raise CommandError(f"no dead letter at {partition}:{offset}; nothing was replayed")
        if letter.value_base64 is None:
            raise CommandError(f"the dead letter at {partition}:{offset} has no original value")
        letters.append((f"{partition}:{offset}", letter, _original(letter)))
    done = []
    async with kafka.producer(s.bootstrap_servers) as p:
        for place, letter, value in letters:
            topic = to_topic or letter.source_topic
            [(part, off)] = await kafka.publish(
                p, topic, [(letter.key, value)], headers=_original_headers(letter)
            )
            done.append(
                {"id": place, "key": letter.key, "topic": topic, "partition": part, "offset": off}
            )
    if env.out.as_json:
        env.out.json({"replayed": done})
    else:
        rows = [(d["id"], d["key"], d["topic"], d["partition"], d["offset"]) for d in done]
        env.out.show(
            table(("dead letter", "key", "to topic", "partition", "offset"), rows, "replayed")
        )
    return 0


def _original(letter: DeadLetter) -> bytes:
    try:
        return base64.b64decode(letter.value_base64 or "", validate=True)
    except binascii.Error as exc:
        raise CommandError(f"the dead letter's value_base64 is not base64: {exc}") from exc


def _original_headers(letter: DeadLetter) -> Callable[[bytes | None, bytes | None], kafka.Headers]:
    try:
        headers = [(k, base64.b64decode(v, validate=True)) for k, v in letter.headers.items()]
    except binascii.Error as exc:
        raise CommandError(f"the dead letter's headers are not base64: {exc}") from exc
    return lambda _key, _value: headers
