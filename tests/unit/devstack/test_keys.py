"""Development keys: one per role, each a person of the demo tenant."""

import json
from pathlib import Path

from herald.devstack.keys import ensure_dev_keys
from herald.runtime.auth import ApiKeyStore

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "examples" / "push-request.json"


def test_each_dev_key_is_a_person_and_the_submitter_is_the_example_requester(
    tmp_path: Path,
) -> None:
    keys = ensure_dev_keys(tmp_path, "acme")
    store = ApiKeyStore(str(tmp_path / "api-keys.json"))
    who = {role: store.lookup(key) for role, key in keys.items()}
    example = json.loads(EXAMPLE.read_text(encoding="utf-8"))
    submitter = who["submitter"]
    assert submitter is not None
    assert {"user": submitter.user, "department": submitter.department} == example["requester"]
    assert set(keys) == {"submitter", "reviewer", "viewer", "reporter", "directory", "admin"}
    assert all(p is not None and p.tenant == "acme" for p in who.values())
    assert who["reporter"] is not None and who["reporter"].department is None
    assert (tmp_path / "dev-keys.env").stat().st_mode & 0o777 == 0o600


def test_a_first_run_s_keys_stay_and_a_new_role_gets_one(tmp_path: Path) -> None:
    old = "HERALD_SUBMITTER_KEY=hk_old_submitter\nHERALD_VIEWER_KEY=hk_old_viewer\n"
    (tmp_path / "dev-keys.env").write_text(old)
    keys = ensure_dev_keys(tmp_path, "acme")
    assert (keys["submitter"], keys["viewer"]) == ("hk_old_submitter", "hk_old_viewer")
    assert keys["reporter"].startswith("hk_acme_reporter_")
    assert ensure_dev_keys(tmp_path, "acme") == keys
    store = ApiKeyStore(str(tmp_path / "api-keys.json"))
    found = store.lookup("hk_old_submitter")
    assert found is not None and found.department == "marketing"
