"""The recipient API end to end over the real broker and Postgres: an import reaches the
directory with its attributes, a segment by attributes reaches exactly its recipients,
and an erasure leaves the recipient's id in no table of any service."""

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.integration.recipients.harness import ndjson, services, tables_holding
from tests.integration.scheduler.harness import approve
from tests.support.scheduler import push_request
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


def person(rid: str, city: str) -> dict[str, object]:
    return {
        "recipient_id": rid,
        "consent": {"marketing": True},
        "contacts": {"email": f"{rid}@example.com"},
        "attributes": {"city": city, "name": f"N {rid}"},
    }


async def test_import_segment_and_erasure_leave_no_trace(
    kafka: str, database_url: str, tmp_path: Path, uid: str
) -> None:
    gone, kept, elsewhere = f"gone-{uid}", f"kept-{uid}", f"else-{uid}"
    async with services(kafka, database_url, tmp_path) as s:
        body = ndjson(person(gone, uid), person(kept, uid), person(elsewhere, "x" + uid))
        r = await s.intake.post(
            "/v1/recipients/import",
            content=body,
            headers=s.as_("directory") | {"content-type": "application/x-ndjson"},
        )
        assert r.status_code == 200, r.text
        assert r.json()["published"] == 3

        async def known() -> dict[str, object] | None:
            found = await s.intake.get(f"/v1/recipients/{gone}", headers=s.as_("directory"))
            return found.json() if found.status_code == 200 else None

        profile = await eventually(known, timeout=30, what="the directory has the import")
        assert profile["attributes"] == {"city": uid, "name": f"N {gone}"}
        assert profile["tenant"] == "acme"
        other = await s.intake.get(f"/v1/recipients/{gone}", headers=s.as_("directory", "globex"))
        assert other.status_code == 404  # another tenant's key sees nothing

        seg = {"segment": {"attributes": {"city": [uid]}}}
        request = push_request(f"req-{uid}", seg, channels=["in_app"])
        await approve(kafka, s.prefix, request, datetime.now(UTC))

        async def delivered() -> bool:
            r = await s.dispatcher.get(f"/v1/inbox/{gone}", headers=s.as_("viewer"))
            return r.status_code == 200 and len(r.json()["messages"]) == 1

        await eventually(delivered, timeout=30, what="the in-app message")
        [message] = (await s.dispatcher.get(f"/v1/inbox/{gone}", headers=s.as_("viewer"))).json()[
            "messages"
        ]
        read = f"/v1/inbox/{gone}/{message['delivery_id']}/read"
        assert (await s.dispatcher.post(read, headers=s.as_("viewer"))).status_code == 200
        inbox = await s.dispatcher.get(f"/v1/inbox/{elsewhere}", headers=s.as_("viewer"))
        assert inbox.json()["messages"] == []  # another city: not in the segment

        before = await eventually(
            lambda: _with(tables_holding(database_url, gone), "scheduler.engagement"),
            timeout=30,
            what="the outcome and the read engagement recorded",
        )
        assert "tracker.outcomes" in before
        assert {"scheduler.recipients", "dispatcher.inbox", "dispatcher.consent"} <= set(before)

        r = await s.intake.delete(f"/v1/recipients/{gone}", headers=s.as_("directory"))
        assert r.status_code == 202

        async def nowhere() -> bool:
            return await tables_holding(database_url, gone) == {}

        await eventually(nowhere, timeout=30, what="no table holding the erased id")
        assert (await known()) is None
        assert "scheduler.recipients" in await tables_holding(database_url, kept)
        refused = await s.intake.delete(f"/v1/recipients/{kept}", headers=s.as_("submitter"))
        assert refused.status_code == 403


async def _with(found: object, table: str) -> dict[str, int] | None:
    got = await found  # type: ignore[misc]
    return got if table in got else None
