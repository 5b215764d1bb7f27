"""`heraldctl recipients`: import (intake's HTTP API by default, Kafka with `--via kafka`),
get and erase. All or nothing by default: one bad row publishes nothing."""

import json
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from herald.devstack.stack import Stack
from herald.heraldctl.kafka import read_all
from tests.cli.conftest import Ctl
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e
HEADER = "recipient_id,tenant,timezone,locale,email,webhook,tags,consent_marketing,consent_email,quiet_start,quiet_end\n"  # noqa: E501


async def directory(stack: Stack, ids: list[str]) -> dict[str, asyncpg.Record]:
    conn = await asyncpg.connect(stack.database_url)
    try:
        rows = await conn.fetch(
            "SELECT * FROM scheduler.recipients WHERE recipient_id = ANY($1::text[])", ids
        )
    finally:
        await conn.close()
    return {r["recipient_id"]: r for r in rows}


@pytest.mark.parametrize(("via", "role"), [("http", "directory"), ("kafka", "submitter")])
async def test_a_bad_row_publishes_nothing_and_a_good_file_reaches_the_directory(
    ctl: Ctl, stack: Stack, tmp_path: Path, uid: str, via: str, role: str
) -> None:
    uid = f"{uid}{via[0]}"
    bad_file = tmp_path / "bad.csv"
    bad_file.write_text(
        HEADER
        + f"held-{uid}-1,acme,Asia/Shanghai,zh-CN,a@example.com,,vip,true,yes,22:00,08:00\n"
        + f"held-{uid}-2,acme,,,,,,perhaps,,,\n"
        + f"held-{uid}-3,acme,,,,,,,,25:00,08:00\n"
    )
    bad = await ctl("recipients", "import", str(bad_file), "--via", via, role=role)
    assert bad.code == 1
    assert "bad.csv:3" in bad.out and "consent_marketing" in bad.out
    assert "bad.csv:4" in bad.out and "quiet_start" in bad.out
    assert "nothing was published" in bad.out

    good_ids = [f"r-{uid}-{i}" for i in range(3)]
    good_file = tmp_path / "good.csv"
    good_file.write_text(
        HEADER
        + f"{good_ids[0]},acme,Asia/Shanghai,zh-CN,a@example.com,,vip|beijing,1,y,22:00,08:00\n"
        + f"{good_ids[1]},acme,Europe/Berlin,de-DE,,https://hooks.example.com/x,vip;new,no,,,\n"
        + f"{good_ids[2]},,,,,,,,,,\n"
    )
    good = await ctl(
        "recipients",
        "import",
        str(good_file),
        "--tenant",
        "acme",
        "--json",
        "--via",
        via,
        role=role,
    )
    assert good.code == 0, good.err
    assert good.json()["published"] == 3

    found = await eventually(
        lambda: _all(directory(stack, good_ids), len(good_ids)),
        timeout=30,
        what="the imported recipients in the scheduler's directory",
    )
    first = found[good_ids[0]]
    assert first["tenant"] == "acme"
    assert first["timezone"] == "Asia/Shanghai"
    assert list(first["tags"]) == ["vip", "beijing"]
    assert list(found[good_ids[1]]["tags"]) == ["vip", "new"]

    published = await read_all(stack.bootstrap, stack.topic_prefix + "push.recipients.v1")
    keys = {r.key.decode() for r in published if r.key}
    assert set(good_ids) <= keys
    assert not any(k.startswith(f"held-{uid}") for k in keys)


async def _all(query: Awaitable[dict[str, asyncpg.Record]], n: int) -> dict[str, Any] | None:
    rows = await query
    return rows if len(rows) == n else None


async def test_get_and_erase_a_recipient_imported_from_ndjson(
    ctl: Ctl, stack: Stack, tmp_path: Path, uid: str
) -> None:
    rid = f"nd-{uid}"
    file = tmp_path / "people.ndjson"
    file.write_text(
        json.dumps({"recipient_id": rid, "attributes": {"city": "北京"}})
        + "\n"
        + json.dumps({"recipient_id": f"{rid} bad"})
        + "\n"
    )
    partly = await ctl(
        "recipients", "import", str(file), "--mode", "best-effort", "--json", role="directory"
    )
    assert partly.code == 1  # a bad line: the exit says so, the good one is published
    assert partly.json()["published"] == 1
    assert partly.json()["errors"][0]["line"] == 2

    async def looked_up() -> dict[str, Any] | None:
        found = await ctl("recipients", "get", rid, "--json", role="directory")
        return found.json() if found.code == 0 else None

    got = await eventually(looked_up, timeout=30, what="the recipient in the directory")
    assert got["attributes"] == {"city": "北京"}
    erased = await ctl("recipients", "erase", rid, role="directory")
    assert erased.code == 0, erased.err

    async def gone() -> bool:
        return (await ctl("recipients", "get", rid, role="directory")).code == 1

    await eventually(gone, timeout=30, what="the recipient erased")
    refused = await ctl("recipients", "erase", rid, role="submitter")
    assert refused.code == 1 and "403" in refused.out + refused.err
