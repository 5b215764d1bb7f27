"""`heraldctl submit`: local validation first, then intake; a summary for many requests."""

import json
import re
from pathlib import Path

import httpx
import pytest

from herald.devstack.stack import Stack
from tests.cli.cli import push_request
from tests.cli.conftest import Ctl
from tests.support.stack import client

pytestmark = pytest.mark.e2e


async def known(stack: Stack, rid: str) -> bool:
    async with client(stack, "intake", "viewer") as http:
        answer: httpx.Response = await http.get(f"/v1/requests/{rid}")
    return answer.status_code == 200


async def test_one_request_is_submitted_and_accepted(ctl: Ctl, tmp_path: Path, uid: str) -> None:
    rid = f"one-{uid}"
    file = tmp_path / "one.json"
    file.write_text(json.dumps(push_request(rid, uid)))

    run = await ctl("submit", str(file))

    assert run.code == 0, run.err
    assert f"{rid}: accepted" in run.out


async def test_a_request_naming_someone_else_is_rejected_with_both_names(
    ctl: Ctl, tmp_path: Path, uid: str
) -> None:
    file = tmp_path / "other.json"
    other = {"user": "zhang.san", "department": f"dept-{uid}"}
    file.write_text(json.dumps(push_request(f"other-{uid}", uid, requester=other)))

    run = await ctl("submit", str(file))

    assert run.code == 1
    assert f"requester.user: is 'zhang.san', but this API key belongs to 'user-{uid}'" in run.out


async def test_many_requests_end_in_a_summary_of_accepted_duplicate_rejected(
    ctl: Ctl, tmp_path: Path, uid: str
) -> None:
    first = tmp_path / "first.json"
    first.write_text(json.dumps(push_request(f"m0-{uid}", uid)))
    assert (await ctl("submit", str(first))).code == 0
    batch = [push_request(f"m{i}-{uid}", uid) for i in range(4)]  # m0 again: a duplicate
    batch.append(push_request(f"other-{uid}", uid, tenant="globex"))  # not the key's tenant
    many = tmp_path / "many.yaml"
    many.write_text(json.dumps(batch))

    run = await ctl("submit", str(many), "--json")

    assert run.code == 1, run.err  # something was refused
    result = run.json()
    assert result["summary"] == {
        "accepted": 3,
        "duplicate": 1,
        "rejected": 1,
        "failed": 0,
        "invalid": 0,
    }
    by_id = {r["request_id"]: r for r in result["results"]}
    assert by_id[f"m0-{uid}"]["outcome"] == "duplicate"
    assert by_id[f"other-{uid}"]["outcome"] == "rejected"
    assert "tenant" in by_id[f"other-{uid}"]["reasons"][0]

    changed = tmp_path / "changed.json"
    changed.write_text(
        json.dumps([push_request(f"m1-{uid}", uid, goal="changed"), push_request(f"m4-{uid}", uid)])
    )
    table = await ctl("submit", str(changed))
    assert table.code == 1
    assert re.search(r"accepted\s*│\s*1\s", table.out), table.out
    assert re.search(r"rejected\s*│\s*1\s", table.out), table.out
    assert "submitted before with a different body" in table.out


async def test_invalid_file_names_lines_and_fields_and_sends_nothing(
    ctl: Ctl, stack: Stack, tmp_path: Path, uid: str
) -> None:
    good, bad = f"good-{uid}", f"bad-{uid}"
    file = tmp_path / "requests.yaml"
    file.write_text(
        f"""\
- request_id: {good}
  tenant: acme
  requester: {{department: dept-{uid}, user: user-{uid}}}
  goal: fine
  category: notification
  channels: [webhook]
  content: {{title: Hello, body: World}}
  audience: {{recipients: [nobody-{uid}]}}
- request_id: {bad}
  tenant: acme
  requester: {{department: dept-{uid}, user: user-{uid}}}
  goal: broken
  category: gossip
  channels: [webhook]
  content:
    title: ""
    body: World
  audience: {{recipients: [nobody-{uid}]}}
"""
    )

    run = await ctl("submit", str(file))

    assert run.code == 1
    assert "requests.yaml:13" in run.out and "category" in run.out
    assert "requests.yaml:16" in run.out and "content.title" in run.out
    assert "nothing was sent" in run.out
    as_json = (await ctl("submit", str(file), "--json")).json()
    assert as_json["sent"] == 0
    assert {p["field"] for p in as_json["invalid"][0]["problems"]} == {"category", "content.title"}
    assert not await known(stack, good)

    skipping = await ctl("submit", str(file), "--skip-invalid", "--json")
    assert skipping.code == 1  # an invalid request was left out
    assert skipping.json()["summary"]["accepted"] == 1
    assert await known(stack, good)
    assert not await known(stack, bad)


async def test_dry_run_shows_what_would_happen_and_stores_nothing(
    ctl: Ctl, stack: Stack, tmp_path: Path, uid: str
) -> None:
    rid = f"dry-{uid}"
    file = tmp_path / "dry.json"
    file.write_text(json.dumps(push_request(rid, uid)))

    run = await ctl("submit", str(file), "--dry-run")

    assert run.code == 0, run.err
    assert f"dry run of {rid}: nothing was sent or stored" in run.out
    assert "review" in run.out and "schedule" in run.out
    answer = (await ctl("submit", str(file), "--dry-run", "--json")).json()
    assert answer["dry_run"][0]["request_id"] == rid
    assert answer["dry_run"][0]["report"]["valid"] is True
    assert not await known(stack, rid)
