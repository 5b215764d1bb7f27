"""`heraldctl status --watch` to completion, then `heraldctl report` for it and its range."""

import json
import re
from pathlib import Path

import pytest

from tests.cli.cli import push_request
from tests.cli.conftest import Ctl
from tests.support.sink import HttpSink

pytestmark = pytest.mark.e2e


async def test_a_request_is_watched_to_completion_and_reported(
    ctl: Ctl, sink: HttpSink, tmp_path: Path, uid: str
) -> None:
    users = [f"w-{uid}-{i}" for i in range(2)]
    csv = tmp_path / "people.csv"
    csv.write_text(
        "recipient_id,tenant,webhook,tags\n"
        + "".join(f"{u},acme,{sink.url(f'/hook/{u}')},vip\n" for u in users)
    )
    assert (await ctl("recipients", "import", str(csv), role="directory")).code == 0
    rid = f"watch-{uid}"
    request = tmp_path / "request.json"
    request.write_text(json.dumps(push_request(rid, uid, audience={"recipients": users})))
    assert (await ctl("submit", str(request))).code == 0

    watched = await ctl("status", rid, "--watch", "--interval", "0.2", "--timeout", "60")

    assert watched.code == 0, watched.err
    lines = watched.out.splitlines()
    assert "completed" in lines[-1] or "completed" in watched.out
    assert "delivered=2" in watched.out
    streamed = await ctl("status", rid, "--watch", "--json")
    assert json.loads(streamed.out.splitlines()[-1])["status"] == "completed"

    report = await ctl("report", rid, role="viewer")
    assert report.code == 0, report.err
    assert "by channel" in report.out and "webhook" in report.out
    assert re.search(r"delivered\s+█+·*\s+2\s+100\.0%", report.out), report.out
    as_json = (await ctl("report", rid, "--json", role="viewer")).json()
    assert as_json["delivered"] == 2
    assert as_json["channels"]["webhook"]["sent"] == 2

    ranged = await ctl(
        "report",
        "--tenant",
        "acme",
        "--since",
        "1h",
        "--department",
        f"dept-{uid}",
        "--json",
        role="viewer",
    )
    assert ranged.code == 0, ranged.err
    assert ranged.json()["departments"][f"dept-{uid}"]["delivered"] == 2
    table = await ctl("report", "--tenant", "acme", "--since", "1h", role="viewer")
    assert f"dept-{uid}" in table.out and "funnel" in table.out
    other = await ctl("report", "--tenant", "globex", "--since", "1h", role="viewer")
    assert other.code == 1 and "not globex" in other.err


async def test_status_of_an_unknown_request_is_a_clean_refusal(ctl: Ctl, uid: str) -> None:
    run = await ctl("status", f"nope-{uid}", role="viewer")
    assert run.code == 1
    assert "not_found" in run.err and "Traceback" not in run.err
