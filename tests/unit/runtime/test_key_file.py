"""The API key file under mistakes and quick rewrites (issue 16): one malformed entry
admits nobody and breaks nobody else, an unreadable file keeps the last good keys, and
a revocation written in place within one tick of the file clock still takes effect."""

import json
import os
from pathlib import Path
from typing import Any

import structlog

from herald.runtime.auth import ApiKeyStore, hash_key


def entry(key: str, **over: Any) -> dict[str, Any]:
    return {"id": f"id-{key}", "sha256": hash_key(key), "tenant": "acme", "role": "viewer",
            "user": "wang.wu", "department": "marketing"} | over  # fmt: skip


def write(path: Path, *entries: object) -> None:
    path.write_text(json.dumps({"keys": list(entries)}), encoding="utf-8")


def test_a_malformed_entry_admits_nobody_and_the_others_still_work(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    write(path, entry("good"), entry("typo", role="admn"), {"id": "no-hash"}, "junk",
          entry("short", sha256="abc"), entry("good", id="again"))  # fmt: skip
    with structlog.testing.capture_logs() as logs:
        store = ApiKeyStore(str(path))
        assert store.lookup("good") is not None
        assert store.lookup("typo") is None
        assert store.lookup("short") is None
    problems = [e["problem"] for e in logs if e["event"] == "api_keys_entry_invalid"]
    assert problems == [
        "entry 2 ('id-typo'): invalid role",
        "entry 3 ('no-hash'): invalid sha256, tenant, role",
        "entry 4: not an object",
        "entry 5 ('id-short'): invalid sha256",
        "entry 6 ('again'): the same key hash as an earlier entry",
    ]


def test_an_unreadable_file_keeps_the_last_good_keys_and_says_why(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    write(path, entry("good"))
    store = ApiKeyStore(str(path))
    assert store.lookup("good") is not None
    with structlog.testing.capture_logs() as logs:
        path.write_text('{"keys": [', encoding="utf-8")  # caught half-written
        assert store.lookup("good") is not None
        path.write_text('["a list"]', encoding="utf-8")
        assert store.lookup("good") is not None
    assert [e["event"] for e in logs] == ["api_keys_file_invalid"] * 2
    assert "not JSON" in logs[0]["problem"]
    write(path, entry("good", revoked=True))
    assert store.lookup("good") is None


def test_a_rewrite_in_place_with_the_same_size_and_clock_tick_is_still_seen(
    tmp_path: Path,
) -> None:
    path = tmp_path / "keys.json"
    write(path, entry("k1", role="reviewer"))
    store = ApiKeyStore(str(path))
    assert store.lookup("k1").role == "reviewer"  # type: ignore[union-attr]
    before = os.stat(path)
    with path.open("r+b") as f:  # the same inode, size and modification time
        text = f.read().replace(b'"reviewer"', b'"reporter"')
        f.seek(0)
        f.write(text)
    os.utime(path, ns=(before.st_mtime_ns, before.st_mtime_ns))
    after = os.stat(path)
    assert (after.st_ino, after.st_size) == (before.st_ino, before.st_size)
    assert store.lookup("k1").role == "reporter"  # type: ignore[union-attr]
