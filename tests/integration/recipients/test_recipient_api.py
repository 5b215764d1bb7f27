"""The recipient API end to end over the real broker and Postgres: an import reaches the
directory with its attributes, a segment by attributes reaches exactly its recipients,
and an erasure leaves the recipient's id in no table of any service."""

from collections.abc import Awaitable
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from herald.dispatcher.domain.optout_tokens import (
    PREFERENCES,
    OptOutSigner,
    OptOutToken,
    derive_key,
)
from tests.integration.recipients.harness import (
    SIGNING_SECRET,
    ndjson,
    services,
    tables_holding,
)
from tests.integration.scheduler.harness import approve
from tests.support.kafka import TopicWatcher, jbytes, produce
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
        assert (await s.dispatcher.post(read, headers=s.as_("reporter"))).status_code == 200
        inbox = await s.dispatcher.get(f"/v1/inbox/{elsewhere}", headers=s.as_("viewer"))
        assert inbox.json()["messages"] == []  # another city: not in the segment

        before = await eventually(
            lambda: _with(
                tables_holding(database_url, gone), "scheduler.engagement", "tracker.outcomes"
            ),
            timeout=30,
            what="the outcome and the read engagement recorded",
        )
        assert {"scheduler.recipients", "dispatcher.inbox", "dispatcher.consent"} <= set(before)
        # the recipient opts out of everything in the preference centre: opt-out rows and
        # audited changes that hold the id too
        signer = OptOutSigner({"s": derive_key(SIGNING_SECRET.encode())})
        expires = int(datetime.now(UTC).timestamp()) + 3600
        token = signer.sign(OptOutToken("acme", gone, PREFERENCES, expires_at=expires))
        saved = await s.dispatcher.post(f"/p/{token}", data={"none": "1"})
        assert saved.status_code == 200, saved.text
        held = await tables_holding(database_url, gone)
        assert {"dispatcher.opt_outs", "dispatcher.consent_audit"} <= set(held), held

        r = await s.intake.delete(f"/v1/recipients/{gone}", headers=s.as_("directory"))
        assert r.status_code == 202

        async def nowhere() -> bool:
            return await tables_holding(database_url, gone) == {}

        await eventually(nowhere, timeout=30, what="no table holding the erased id")
        assert (await known()) is None
        assert "scheduler.recipients" in await tables_holding(database_url, kept)
        refused = await s.intake.delete(f"/v1/recipients/{kept}", headers=s.as_("submitter"))
        assert refused.status_code == 403

        # the same id again (a new profile): the opt-outs made before the erasure, kept
        # under the id's digest as a suppression list, come back with it
        again = await s.intake.post(
            "/v1/recipients/import",
            content=ndjson(person(gone, uid)),
            headers=s.as_("directory") | {"content-type": "application/x-ndjson"},
        )
        assert again.status_code == 200, again.text

        async def suppressed_again() -> bool:
            return "dispatcher.opt_outs" in await tables_holding(database_url, gone)

        await eventually(suppressed_again, timeout=30, what="the opt-outs back with the id")


async def _with(found: Awaitable[dict[str, int]], *tables: str) -> dict[str, int] | None:
    got = await found
    return got if set(tables) <= set(got) else None


def _send(did: str, rid: str) -> bytes:
    return jbytes(
        {
            "delivery_id": did,
            "request_id": f"r-{did}",
            "tenant": "acme",
            "department": "mkt",
            "recipient_id": rid,
            "category": "notification",
            "priority": "normal",
            "channels": ["in_app"],
            "contacts": {},
            "content": {"title": "t", "body": "b"},
            "due_at": datetime.now(UTC).isoformat(),
        }
    )


async def test_a_send_already_on_its_way_to_an_erased_recipient_is_not_delivered(
    kafka: str, database_url: str, tmp_path: Path, uid: str
) -> None:
    rid = f"late-{uid}"
    async with services(kafka, database_url, tmp_path) as s:
        outcomes = await TopicWatcher(kafka, s.prefix + "push.outcomes.v1").start()
        try:
            headers = s.as_("directory") | {"content-type": "application/x-ndjson"}
            await s.intake.post(
                "/v1/recipients/import", content=ndjson(person(rid, uid)), headers=headers
            )
            await s.intake.delete(f"/v1/recipients/{rid}", headers=s.as_("directory"))
            await eventually(
                lambda: _marked(database_url), timeout=30, what="the dispatcher's erasure marker"
            )
            await produce(
                kafka, s.prefix + "push.sends.v1", [(f"d1-{uid}", _send(f"d1-{uid}", rid))]
            )
            late = await eventually(
                lambda: next(iter(outcomes.for_delivery(f"d1-{uid}")), None),
                timeout=30,
                what="the late send's outcome",
            )
            assert (late["outcome"], late["reason"]) == ("suppressed", "opted_out")
            inbox = await s.dispatcher.get(f"/v1/inbox/{rid}", headers=s.as_("viewer"))
            assert inbox.json()["messages"] == []

            # the id in use again (a new profile): sends reach them
            await s.intake.post(
                "/v1/recipients/import", content=ndjson(person(rid, uid)), headers=headers
            )
            await eventually(lambda: _unmarked(database_url), timeout=30, what="the marker gone")
            await produce(
                kafka, s.prefix + "push.sends.v1", [(f"d2-{uid}", _send(f"d2-{uid}", rid))]
            )
            again = await eventually(
                lambda: next(iter(outcomes.for_delivery(f"d2-{uid}")), None),
                timeout=30,
                what="the new send's outcome",
            )
            assert again["outcome"] in ("sent", "delivered")
        finally:
            await outcomes.stop()


async def _marked(database_url: str) -> bool:
    conn = await asyncpg.connect(database_url)
    try:
        return bool(await conn.fetchval("SELECT count(*) FROM dispatcher.erased"))
    finally:
        await conn.close()


async def _unmarked(database_url: str) -> bool:
    return not await _marked(database_url)
