"""Identity from credentials: a key's user and department, names compared as people mean
them, and a body that names someone else refused with both values."""

import json
import os
from pathlib import Path
from typing import Any

import pytest

from herald.contracts import PushRequest
from herald.runtime.auth import ApiKeyStore, Role, hash_key
from herald.runtime.identity import folded, http_submitter, requester_is_caller, same_person
from herald.runtime.problems import Problem


def _write(path: Path, *entries: dict[str, Any]) -> None:
    path.write_text(json.dumps({"keys": list(entries)}), encoding="utf-8")


def _entry(key: str, **over: Any) -> dict[str, Any]:
    return {"id": f"id-{key}", "sha256": hash_key(key), "tenant": "acme", "role": "submitter",
            "user": "li.wei", "department": "marketing"} | over  # fmt: skip


def test_a_key_carries_its_user_and_department(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    _write(path, _entry("k1"), _entry("k2", department="  ", role="reporter"))
    store = ApiKeyStore(str(path))
    li = store.lookup("k1")
    assert li is not None and (li.user, li.department, li.role) == (
        "li.wei",
        "marketing",
        "submitter",
    )
    blank = store.lookup("k2")
    assert blank is not None and (blank.department, blank.role) == (None, Role.REPORTER)


def test_a_change_within_one_tick_of_the_file_clock_is_still_seen(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    _write(path, _entry("k1"))
    store = ApiKeyStore(str(path))
    assert store.lookup("k1") is not None
    stamp = os.stat(path).st_mtime_ns
    _write(path, _entry("k1", revoked=True), _entry("k2"))
    os.utime(path, ns=(stamp, stamp))  # the same modification time as before
    assert store.lookup("k1") is None
    assert store.lookup("k2") is not None


@pytest.mark.parametrize(
    "spelling", ["li.wei", "Li.Wei", " li.wei\t", "ｌｉ.ｗｅｉ", "li.\u200bwei", "LI. WEI"]
)
def test_names_that_differ_only_in_case_space_or_unicode_form_are_one_person(
    spelling: str,
) -> None:
    assert same_person(spelling, "li.wei")
    assert folded(spelling) == "li.wei"


def test_different_people_stay_different() -> None:
    assert not same_person("li.wei", "li.wel")
    assert not same_person("li.wei", "li-wei")


def _request(user: str = "li.wei", department: str = "marketing") -> PushRequest:
    return PushRequest.model_validate(
        {"request_id": "r-1", "tenant": "acme", "goal": "g", "category": "notification",
         "requester": {"user": user, "department": department}, "channels": ["sms"],
         "content": {"title": "t", "body": "b"}, "audience": {"all": True}}
    )  # fmt: skip


def _principal(tmp_path: Path, **over: Any) -> Any:
    path = tmp_path / "keys.json"
    _write(path, _entry("k", **over))
    return ApiKeyStore(str(path)).lookup("k")


def test_the_caller_is_the_submitter_whatever_the_spelling(tmp_path: Path) -> None:
    who = _principal(tmp_path)
    submitter = requester_is_caller(who, _request("Li.Wei", "Marketing "))
    assert (submitter.user, submitter.department) == ("li.wei", "marketing")
    assert (submitter.credential, submitter.via) == ("id-k", "http")


def test_a_body_naming_another_user_or_department_is_refused_with_both_values(
    tmp_path: Path,
) -> None:
    who = _principal(tmp_path)
    with pytest.raises(Problem) as refused:
        requester_is_caller(who, _request("zhang.san", "ops"))
    p = refused.value
    assert (p.status, str(p.code)) == (403, "unauthorized")
    fields = {e["field"]: e["message"] for e in p.extra["errors"]}
    assert set(fields) == {"requester.user", "requester.department"}
    assert "'zhang.san'" in fields["requester.user"] and "'li.wei'" in fields["requester.user"]
    assert "'ops'" in fields["requester.department"]


def test_a_key_without_a_department_cannot_submit(tmp_path: Path) -> None:
    who = _principal(tmp_path, department=None)
    with pytest.raises(Problem) as refused:
        http_submitter(who)
    assert refused.value.status == 403
    assert "no department" in str(refused.value.detail)
