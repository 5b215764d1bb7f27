"""`heraldctl keys`: an admin's API key management on the key file the services read.

Herald's API keys live in one JSON file (`API_KEYS_FILE`, a Kubernetes secret in
production) holding only each key's SHA-256 with its id, tenant, role, user and
department; every service reloads it when its content changes. So key management is
editing that file, safely:

- `keys create` makes a random key (256 bits), adds its entry, and prints the key once:
  it is stored nowhere, and nothing can show it again.
- `keys list` shows the entries (never a hash), `--tenant` to narrow them.
- `keys revoke ID` marks an entry revoked (kept, so the file says what was revoked when).

Each change is checked with the services' own reader (herald.runtime.keyfile) before it
is written, and written atomically (a temporary file renamed over the old one, mode 0600),
so a service never reads half a file and a bad change never lands.
"""

import json
import os
import re
import secrets
import tempfile
from pathlib import Path
from typing import Annotated, Any

import typer

from herald.heraldctl.common import FAILED, USAGE, JsonOpt, env_of
from herald.heraldctl.render import table
from herald.runtime.auth import Role, hash_key
from herald.runtime.keyfile import KeyFileError, parse_key_file

app = typer.Typer(help="API keys in the key file the services read (an admin's tool).")
FileOpt = Annotated[
    Path, typer.Option("--file", envvar="API_KEYS_FILE", help="The key file (API_KEYS_FILE).")
]
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    data = json.loads(path.read_bytes())
    entries = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise KeyFileError('not {"keys": [...]}')
    return entries


def _write(path: Path, entries: list[dict[str, Any]]) -> None:
    raw = json.dumps({"keys": entries}, ensure_ascii=False, indent=2).encode() + b"\n"
    _, problems = parse_key_file(raw, [str(r) for r in Role])
    if problems:
        raise KeyFileError("; ".join(problems))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _fail(as_json: bool, message: str, code: int = FAILED) -> typer.Exit:
    if as_json:
        print(json.dumps({"error": {"code": "failed", "detail": message}}))
    else:
        typer.echo(f"error: {message}", err=True)
    return typer.Exit(code)


@app.command()
def create(
    ctx: typer.Context,
    file: FileOpt,
    tenant: Annotated[str, typer.Option(help="The tenant the key acts in.")],
    role: Annotated[Role, typer.Option(help="What the key may do.")],
    user: Annotated[str, typer.Option(help="Who holds it (the requester it submits as).")],
    department: Annotated[str | None, typer.Option(help="The holder's department.")] = None,
    key_id: Annotated[str | None, typer.Option("--id", help="Default: tenant-user-random.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """A new key: its entry is added and the key printed once (store it now)."""
    env = env_of(ctx, as_json)
    for name, value in (("tenant", tenant), ("user", user)):
        if not _NAME.fullmatch(value):
            raise _fail(env.out.as_json, f"--{name} {value[:40]!r} is not a plain name", USAGE)
    key = "hk_" + secrets.token_urlsafe(32)
    kid = key_id or f"{tenant}-{user}-{secrets.token_hex(3)}"
    entry = {"id": kid, "sha256": hash_key(key), "tenant": tenant, "role": str(role),
             "user": user, "department": department}  # fmt: skip
    try:
        entries = _read(file)
        if any(e.get("id") == kid for e in entries if isinstance(e, dict)):
            raise _fail(env.out.as_json, f"a key with id {kid!r} exists already", USAGE)
        _write(file, [*entries, entry])
    except (KeyFileError, ValueError, OSError) as exc:
        raise _fail(env.out.as_json, f"{file}: {exc}") from None
    shown = {k: v for k, v in entry.items() if k != "sha256"}
    if env.out.as_json:
        env.out.json({**shown, "key": key})
        return
    env.out.note(f"added {kid} to {file}; the key below is shown once and stored nowhere")
    env.out.raw(key + "\n")


@app.command("list")
def list_keys(
    ctx: typer.Context,
    file: FileOpt,
    tenant: Annotated[str | None, typer.Option(help="Only this tenant's keys.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """The keys in the file (ids, tenants, roles, holders; never a hash)."""
    env = env_of(ctx, as_json)
    try:
        entries = [e for e in _read(file) if isinstance(e, dict)]
    except (KeyFileError, ValueError, OSError) as exc:
        raise _fail(env.out.as_json, f"{file}: {exc}") from None
    shown = [
        {k: e.get(k) for k in ("id", "tenant", "role", "user", "department")}
        | {"revoked": bool(e.get("revoked", False))}
        for e in entries
        if tenant is None or e.get("tenant") == tenant
    ]
    if env.out.as_json:
        env.out.json({"keys": shown})
        return
    rows = [
        (*(str(s[k] or "") for k in list(s)[:-1]), "yes" if s["revoked"] else "no") for s in shown
    ]
    columns = ("id", "tenant", "role", "user", "department", "revoked")
    env.out.show(table(columns, rows, f"keys ({len(rows)})"))


@app.command()
def revoke(
    ctx: typer.Context,
    key_id: Annotated[str, typer.Argument(metavar="ID", help="The key's id.")],
    file: FileOpt,
    as_json: JsonOpt = False,
) -> None:
    """Revoke a key: every service refuses it once it has reloaded the file (seconds)."""
    env = env_of(ctx, as_json)
    try:
        entries = _read(file)
        found = [e for e in entries if isinstance(e, dict) and e.get("id") == key_id]
        if not found:
            raise _fail(env.out.as_json, f"no key with id {key_id!r} in {file}")
        for e in found:
            e["revoked"] = True
        _write(file, entries)
    except (KeyFileError, ValueError, OSError) as exc:
        raise _fail(env.out.as_json, f"{file}: {exc}") from None
    if env.out.as_json:
        env.out.json({"id": key_id, "revoked": True})
    else:
        env.out.line(f"revoked {key_id}")
