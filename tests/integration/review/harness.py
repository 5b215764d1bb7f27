"""Review wired for a test: who may call it (API keys for each role) and a clock the test
moves by hand (expiry)."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from herald.runtime.auth import hash_key

KEYS = {
    "reviewer": ("acme", "reviewer", "zhang.san"),
    "self-reviewer": ("acme", "reviewer", "li.wei"),
    "viewer": ("acme", "viewer", "wang.wu"),
    "admin": ("acme", "admin", "boss"),
    "globex-reviewer": ("globex", "reviewer", "other"),
}


def write_keys(folder: Path) -> str:
    path = folder / "keys.json"
    keys = [
        {"id": name, "sha256": hash_key(f"key-{name}"), "tenant": t, "role": r, "user": u}
        for name, (t, r, u) in KEYS.items()
    ]
    path.write_text(json.dumps({"keys": keys}), encoding="utf-8")
    return str(path)


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer key-{name}"}


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)
