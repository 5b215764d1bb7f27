"""`heraldctl keys`: a key made here is one the services accept, as the holder it names,
shown once and stored only as its hash; revoking it locks it out; a bad change never
lands in the file."""

import json
import stat
from pathlib import Path

from typer.testing import CliRunner

from herald.heraldctl.main import app
from herald.runtime.auth import ApiKeyStore, Role

RUN = CliRunner()


def keys(path: Path, *args: str) -> dict[str, object]:
    answer = RUN.invoke(app, ["keys", *args, "--file", str(path), "--json"])
    assert answer.exit_code == 0, answer.output
    parsed: dict[str, object] = json.loads(answer.stdout)
    return parsed


def test_a_created_key_is_accepted_as_its_holder_and_a_revoked_one_is_not(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    made = keys(path, "create", "--tenant", "acme", "--role", "submitter", "--user", "li.wei",
                "--department", "marketing")  # fmt: skip
    key = str(made["key"])
    assert len(key) >= 40 and key not in path.read_text()  # only its hash is kept
    assert stat.S_IMODE(path.stat().st_mode) == 0o600

    store = ApiKeyStore(str(path))
    who = store.lookup(key)
    assert who is not None
    assert (who.tenant, who.role, who.user, who.department) == (
        "acme", Role.SUBMITTER, "li.wei", "marketing",
    )  # fmt: skip
    listed = keys(path, "list")["keys"]
    assert listed == [{"id": made["id"], "tenant": "acme", "role": "submitter",
                       "user": "li.wei", "department": "marketing", "revoked": False}]  # fmt: skip

    keys(path, "revoke", str(made["id"]))
    assert ApiKeyStore(str(path)).lookup(key) is None


def test_two_keys_differ_and_a_taken_id_or_a_bad_name_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    first = keys(path, "create", "--tenant", "acme", "--role", "viewer", "--user", "ops",
                 "--id", "acme-ops")  # fmt: skip
    second = keys(path, "create", "--tenant", "acme", "--role", "viewer", "--user", "ops")
    assert first["key"] != second["key"]
    before = path.read_bytes()
    taken = RUN.invoke(app, ["keys", "create", "--file", str(path), "--tenant", "acme",
                             "--role", "admin", "--user", "x", "--id", "acme-ops"])  # fmt: skip
    bad = RUN.invoke(app, ["keys", "create", "--file", str(path), "--tenant", "acme corp",
                           "--role", "admin", "--user", "x"])  # fmt: skip
    unknown = RUN.invoke(app, ["keys", "revoke", "nobody", "--file", str(path)])
    assert (taken.exit_code, bad.exit_code, unknown.exit_code) == (2, 2, 1)
    assert "exists already" in taken.output and "not a plain name" in bad.output
    assert path.read_bytes() == before
