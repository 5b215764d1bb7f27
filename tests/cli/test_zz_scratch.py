import json
from pathlib import Path
import pytest
from tests.cli.cli import push_request
from tests.cli.conftest import Ctl
from tests.support.sink import HttpSink
pytestmark = pytest.mark.e2e

async def test_show(ctl: Ctl, sink: HttpSink, tmp_path: Path, uid: str) -> None:
    users = [f"w-{uid}-{i}" for i in range(2)]
    csv = tmp_path / "people.csv"
    csv.write_text("recipient_id,tenant,webhook,tags\n" + "".join(f"{u},acme,{sink.url(f'/hook/{u}')},vip\n" for u in users))
    r = await ctl("recipients", "import", str(csv)); print(r.out, r.err)
    rid = f"watch-{uid}"
    request = tmp_path / "request.json"
    request.write_text(json.dumps([push_request(rid, uid, audience={"recipients": users}), push_request(rid+"b", uid)]))
    r = await ctl("submit", str(request)); print(r.out, r.err)
    r = await ctl("submit", str(request), "--dry-run"); print(r.code, r.out, r.err)
    r = await ctl("status", rid, "--watch", "--interval", "0.2"); print(r.out, r.err)
    r = await ctl("status", rid); print(r.out, r.err)
    r = await ctl("report", rid); print(r.out, r.err)
    r = await ctl("report", "--since", "1h"); print(r.out, r.err)
    r = await ctl("dlq", "list"); print(r.out, r.err)
    r = await ctl("reviews", "list", role="reviewer"); print(r.out, r.err)
