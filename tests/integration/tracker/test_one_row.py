"""One row per recipient outcome (issue 17 item 3), on the real broker and Postgres: the
outcome's row is its own exact dedupe, in the month its request began, whatever time a
re-sent outcome carries; engagement finds the delivery there, however old the month."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from herald.runtime.packing import Limits, pack_outcomes
from herald.tracker.domain.erasure import RecipientSeen
from tests.integration.tracker.builders import outcome, scheduled
from tests.integration.tracker.harness import App, Ledgered
from tests.support.kafka import jbytes, produce
from tests.support.waiting import eventually

pytestmark = pytest.mark.integration


async def report(app: App, rid: str) -> dict[str, Any]:
    got = await app.http.get(f"/v1/requests/{rid}/report", headers=app.as_("viewer"))
    body: dict[str, Any] = got.json()
    return body


async def test_outcomes_re_sent_with_new_times_across_a_month_end_count_once(
    app: App, uid: str
) -> None:
    rid, n = f"re-{uid}", 12
    month_start = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    first = [outcome(rid, i, at=month_start - timedelta(minutes=5)) for i in range(n)]
    # a producer that re-sends after a crash stamps its own time: another month
    again = [o.model_copy(update={"at": datetime.now(UTC)}) for o in first]
    singles = [(rid, jbytes(o.model_dump(mode="json"))) for o in first[: n - 1]]
    resent = [(rid, v.raw) for _, v in pack_outcomes(again[: n - 1], Limits(max_items=4))]
    last = [(rid, jbytes(first[-1].model_dump(mode="json")))]
    await app.send("push.status.v1", [(rid, scheduled(rid, n).model_dump(mode="json"))])
    # one key, one partition: the re-sent ones are read before the one that completes it
    await produce(app.kafka, app.topic("push.outcomes.v1"), singles + resent + singles + last)

    done = await eventually(
        lambda: [s.json() for s in app.status.for_key(rid) if s.json()["status"] == "completed"],
        what="completed",
    )
    assert done[0]["counts"]["delivered"] == n
    body = await report(app, rid)
    assert (body["recipients"], body["sent"], body["delivered"]) == (n, n, n)


async def test_a_delivery_goes_from_sent_to_delivered_read_clicked_on_its_one_row(
    app: App, uid: str
) -> None:
    rid, d = f"pr-{uid}", f"d-pr-{uid}-0"
    began = datetime.now(UTC) - timedelta(days=40)  # the request began in an older month
    sent = outcome(rid, 0, "sent", at=began).model_dump(mode="json")
    await app.send("push.outcomes.v1", [(d, sent)])
    await eventually(lambda: _counted(app, rid, "sent", 1), what="the sent outcome")
    await app.send("push.status.v1", [(rid, scheduled(rid, 1).model_dump(mode="json"))])

    now = datetime.now(UTC).isoformat()
    for kind in ("delivered", "opened", "read", "clicked"):
        event = {"event_id": f"e-{uid}-{kind}", "delivery_id": d, "kind": kind, "at": now}
        posted = await app.http.post("/v1/engagement", json=event, headers=app.as_("reporter"))
        assert posted.status_code == 202
    forged = {"event_id": f"e-{uid}-g", "delivery_id": d, "kind": "clicked", "at": now}
    as_globex = app.as_("reporter", "globex")
    posted = await app.http.post("/v1/engagement", json=forged, headers=as_globex)
    assert posted.status_code == 202  # refused later: the delivery is found to be acme's

    body = await eventually(lambda: _counted(app, rid, "clicked", 1), what="the click")
    assert (body["recipients"], body["sent"], body["delivered"]) == (1, 1, 1)
    assert (body["opened"], body["read"], body["clicked"]) == (1, 1, 1)

    await eventually(lambda: _refused(app), what="the other tenant's claim refused")


async def _refused(app: App) -> bool | None:
    text = (await app.http.get("/metrics")).text
    return 'reason="other_tenant",topic="push.engagement.v1"} 1.0' in text or None


async def _counted(app: App, rid: str, field: str, n: int) -> dict[str, Any] | None:
    body = await report(app, rid)
    return body if body.get(field) == n else None


async def test_an_erased_recipient_s_re_sent_outcome_stays_one_unlinked_row(
    ledgered: Ledgered, uid: str
) -> None:
    h = ledgered
    first = outcome(uid, 0, detail="to +41 79 000 00 00")
    await h.tracker.on_outcomes([first])
    await h.tracker.on_recipients([RecipientSeen("acme", first.recipient_id or "", tombstone=True)])
    later = first.model_copy(update={"at": first.at + timedelta(days=35)})
    await h.tracker.on_outcomes([later])

    rows = await h.fetch(
        "SELECT recipient_id, detail FROM tracker.outcomes WHERE request_id = $1", uid
    )
    assert rows == [{"recipient_id": None, "detail": ""}]
    assert await h.value("SELECT outcomes FROM tracker.requests WHERE request_id = $1", uid) == 1
