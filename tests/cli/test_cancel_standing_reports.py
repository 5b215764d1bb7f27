"""`heraldctl cancel`, `standing` (+ `reinstate`) and `reports` against the running stack."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.cli.cli import push_request
from tests.cli.conftest import Ctl
from tests.support.sink import HttpSink
from tests.support.waiting import eventually

pytestmark = pytest.mark.e2e


async def submitted(ctl: Ctl, tmp_path: Path, body: dict[str, Any]) -> str:
    file = tmp_path / f"{body['request_id']}.json"
    file.write_text(json.dumps(body, ensure_ascii=False))
    run = await ctl("submit", str(file))
    assert run.code == 0, run.err
    return str(body["request_id"])


async def status_of(ctl: Ctl, rid: str) -> str | None:
    run = await ctl("status", rid, "--json", role="viewer")
    return run.json()["status"] if run.code == 0 else None


async def test_a_request_for_tomorrow_is_cancelled_and_ends_cancelled(
    ctl: Ctl, sink: HttpSink, tmp_path: Path, uid: str
) -> None:
    person = f"c-{uid}"
    people = tmp_path / "people.csv"
    people.write_text(f"recipient_id,tenant,webhook\n{person},acme,{sink.url(f'/hook/{person}')}\n")
    assert (await ctl("recipients", "import", str(people), role="directory")).code == 0
    tomorrow = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = push_request(
        f"cancel-{uid}", uid, audience={"recipients": [person]}, schedule={"send_at": tomorrow}
    )
    rid = await submitted(ctl, tmp_path, body)
    await eventually(lambda: _is(ctl, rid, "scheduled"), timeout=60, interval=0.5, what="scheduled")

    viewer = await ctl("cancel", rid, role="viewer")
    assert viewer.code == 1
    assert "403" in viewer.err

    run = await ctl("cancel", rid)
    assert run.code == 0, run.err
    assert "cancelling" in run.out
    watched = await ctl("status", rid, "--watch", "--interval", "0.2", "--timeout", "60")
    assert watched.code == 1  # it ended, but not completed
    assert "cancelled" in watched.out.splitlines()[-1]

    again = await ctl("cancel", rid, "--json")
    assert again.code == 1
    assert again.json()["error"]["status"] == 409
    unknown = await ctl("cancel", f"nope-{uid}")
    assert unknown.code == 1
    assert "not_found" in unknown.err
    assert "Traceback" not in unknown.err


async def _is(ctl: Ctl, rid: str, wanted: str) -> bool:
    return await status_of(ctl, rid) == wanted


async def test_a_struck_requester_is_listed_and_an_admin_reinstates_them(
    ctl: Ctl, tmp_path: Path, uid: str
) -> None:
    gambling = {"title": "今晚开局", "body": "百家乐今晚开局"}
    await submitted(ctl, tmp_path, push_request(f"strike-{uid}", uid, content=gambling))
    user = f"user-{uid}"

    async def warned() -> dict[str, Any] | None:
        run = await ctl("standing", "--json", role="viewer")
        found = [s for s in run.json()["standing"] if s["subject"] == user]
        return found[0] if found and found[0]["standing"] == "warned" else None

    entry = await eventually(warned, timeout=60, interval=0.5, what="the requester warned")
    assert entry["subject_kind"] == "requester"
    board = await ctl("violations", "--json", role="reviewer")
    assert board.code == 0, board.err
    [struck] = [v for v in board.json()["violations"] if v["subject"] == user]
    assert struck["standing"] == "warned" and struck["strikes"] == 1
    assert struck["violations"][0]["by"] == "rules" and struck["violations"][0]["codes"]
    shown = await ctl("violations", role="reviewer")
    assert shown.code == 0 and user in shown.out and "warned" in shown.out, shown.err
    audit = await ctl("reviews", "audit", f"strike-{uid}", role="reviewer")
    assert audit.code == 0, audit.err
    assert "reject" in audit.out  # the rules' rejection, with its reasons
    listing = await ctl("standing", role="reviewer")
    assert listing.code == 0, listing.err
    assert user in listing.out
    assert "warned" in listing.out

    refused = await ctl("standing", "reinstate", "requester", user, role="reviewer")
    assert refused.code == 1
    assert "403" in refused.err
    done = await ctl("standing", "reinstate", "requester", user, "--json", role="admin")
    assert done.code == 0, done.err
    assert done.json() == {"subject_kind": "requester", "subject": user, "standing": "good"}
    after = await ctl("standing", "--json", role="viewer")
    assert all(s["standing"] == "good" for s in after.json()["standing"] if s["subject"] == user)
    assert (await ctl("standing", "reinstate", "team", user, role="admin")).code == 2


async def test_the_range_report_comes_as_tables_json_or_csv(
    ctl: Ctl, tmp_path: Path, uid: str
) -> None:
    await submitted(ctl, tmp_path, push_request(f"rep-{uid}", uid))  # one recipient, no contact
    dept = f"dept-{uid}"
    scope = ("--since", "1h", "--department", dept)

    async def counted() -> dict[str, Any] | None:
        run = await ctl("reports", *scope, "--json", role="viewer")
        found = run.json()["departments"].get(dept) if run.code == 0 else None
        return found if found and found["suppressed"] == 1 else None

    await eventually(counted, timeout=60, interval=0.5, what="the department's outcome")

    csv = await ctl("reports", *scope, "--csv", role="viewer")
    assert csv.code == 0, csv.err
    lines = csv.out.splitlines()
    assert lines[0].startswith("department,channel,recipients,sent,delivered")
    assert lines[1].startswith(f"{dept},all,1,0,0,0,1,")
    into = tmp_path / "range.csv"
    written = await ctl("reports", *scope, "--csv", "-o", str(into), role="viewer")
    assert written.code == 0, written.err
    assert written.out == ""
    assert into.read_text().splitlines() == lines
    as_json = tmp_path / "range.json"
    assert (await ctl("reports", *scope, "--json", "-o", str(as_json), role="viewer")).code == 0
    assert json.loads(as_json.read_text())["departments"][dept]["suppressed"] == 1

    by_hour = await ctl("timeline", "--since", "2h", "--bucket", "hour", "--department", dept,
                        "--json", role="viewer")  # fmt: skip
    assert by_hour.code == 0, by_hour.err
    buckets = by_hour.json()["buckets"]
    assert len(buckets) in (2, 3)  # every hour of the range, empty ones too
    assert sum(b["suppressed"] for b in buckets) == 1
    shown = await ctl("timeline", "--request", f"rep-{uid}", role="viewer")
    assert shown.code == 0 and "by day" in shown.out, shown.err
    assert (await ctl("timeline", "--bucket", "week", role="viewer")).code == 2
    tables = await ctl("reports", *scope, role="viewer")
    assert tables.code == 0, tables.err
    assert "by department" in tables.out and dept in tables.out
    assert (await ctl("reports", "--csv", "--json", role="viewer")).code == 2
    assert (await ctl("reports", "-o", str(into), role="viewer")).code == 2
    other = await ctl("reports", "--csv", "--tenant", "globex", role="viewer")
    assert other.code == 1
    assert "not globex" in other.err


async def test_consent_history_is_an_admins_and_comes_from_the_dispatcher(
    ctl: Ctl, uid: str
) -> None:
    run = await ctl("consent", f"nobody-{uid}", "--json", role="admin")
    assert run.code == 0, run.err
    assert run.json() == {"recipient_id": f"nobody-{uid}", "opted_out": [], "changes": []}
    tables = await ctl("consent", f"nobody-{uid}", role="admin")
    assert tables.code == 0 and "opted out of (0)" in tables.out, tables.err
    refused = await ctl("consent", f"nobody-{uid}", role="viewer")
    assert refused.code == 1
    assert "403" in refused.err
