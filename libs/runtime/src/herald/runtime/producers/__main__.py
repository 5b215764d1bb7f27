"""Issue and revoke upstream producer credentials (an operator's tool).

    RECORD_KEYS=... python -m herald.runtime.producers issue --id crm --tenant acme \
        --user crm-bot --department marketing --topic push.requests.v1 --file producers.json
    python -m herald.runtime.producers revoke --id crm --file producers.json

`issue` adds the entry to the file (written whole, then renamed: a service never reads
half of it) and prints the credential once, as the two variables the upstream team sets
(`HERALD_PRODUCER_ID`, `HERALD_PRODUCER_SECRET`). The file holds no secret; the secret is
derived from the deployment's first record key, so it changes when that key is rotated
out. A leaked credential is revoked (its id can never be issued again: the same id would
get the same secret) and a new id issued.
"""

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from herald.runtime.producers import ProducerEntry, ProducersFileError, parse_producers
from herald.runtime.provenance import UPSTREAM_TOPICS, derive_secret, secret_text
from herald.runtime.record_keys import parse_record_keys


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.exists():
        return []
    raw = path.read_bytes()
    parse_producers(raw)
    entries: list[dict[str, Any]] = json.loads(raw)["producers"]
    return entries


def _write(path: Path, entries: list[dict[str, Any]]) -> None:
    text = json.dumps({"producers": entries}, indent=2, ensure_ascii=False) + "\n"
    parse_producers(text.encode())
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


def issue(args: argparse.Namespace) -> str:
    keys = parse_record_keys(os.environ.get("RECORD_KEYS", ""))
    entry = ProducerEntry(
        id=args.id,
        tenant=args.tenant,
        user=args.user,
        department=args.department,
        topics=tuple(args.topic or sorted(UPSTREAM_TOPICS)),
    )
    entry.producer()  # a submitter needs a user and a department
    record = entry.model_dump(exclude_none=True)
    if args.file:
        path = Path(args.file)
        entries = _read(path)
        if any(e["id"] == entry.id for e in entries):
            raise ProducersFileError(f"{path}: producer '{entry.id}' exists (revoked ids stay)")
        _write(path, [*entries, record])
        sys.stderr.write(f"added producer '{entry.id}' to {path}\n")
    else:
        sys.stderr.write("add this entry to the producers file:\n" + json.dumps(record) + "\n")
    secret = secret_text(derive_secret(next(iter(keys.values())), entry.id))
    sys.stderr.write("the credential, shown once (hand it to the producer's team):\n")
    return f"HERALD_PRODUCER_ID={entry.id}\nHERALD_PRODUCER_SECRET={secret}\n"


def revoke(args: argparse.Namespace) -> str:
    path = Path(args.file)
    entries = _read(path)
    if not any(e["id"] == args.id for e in entries):
        raise ProducersFileError(f"{path}: no producer '{args.id}'")
    _write(path, [{**e, "revoked": True} if e["id"] == args.id else e for e in entries])
    return f"revoked producer '{args.id}' in {path}\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m herald.runtime.producers")
    commands = parser.add_subparsers(dest="command", required=True)
    p = commands.add_parser("issue", help="issue a credential (needs RECORD_KEYS)")
    p.add_argument("--id", required=True)
    p.add_argument("--tenant", required=True)
    p.add_argument("--user")
    p.add_argument("--department")
    p.add_argument("--topic", action="append", help="repeatable; default: all three")
    p.add_argument("--file", help="the producers file to add the entry to")
    p.set_defaults(run=issue)
    r = commands.add_parser("revoke", help="revoke a credential")
    r.add_argument("--id", required=True)
    r.add_argument("--file", required=True)
    r.set_defaults(run=revoke)
    args = parser.parse_args(argv)
    try:
        sys.stdout.write(args.run(args))
    except (ValueError, OSError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
