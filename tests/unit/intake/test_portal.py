"""The portal on fakes: who sees what, filing through the API's own path with a dry run
first, the timeline, cancelling by the API's rule, and reports with the user's key."""

import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
from tests.unit.intake.harness import NOW, Portal, portal

from herald.contracts import Counts, Reason, ReasonCode, Status, Topic
from herald.intake.ports import Filed

CSP = ("default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'")  # fmt: skip


def status(rid: str, kind: str, minutes: int = 0, tenant: str = "acme", **over: object) -> Status:
    return Status.model_validate(
        {"request_id": rid, "tenant": tenant, "status": kind,
         "at": (NOW + timedelta(minutes=minutes)).isoformat(), **over}
    )  # fmt: skip


def filed(rid: str, department: str = "marketing", last: Status | None = None) -> Filed:
    return Filed(rid, department, "li.wei", NOW, last)


@pytest.fixture
async def p(tmp_path: Path) -> AsyncIterator[Portal]:
    world = portal(tmp_path)
    async with world.http:
        yield world


def request_form(csrf: str, rid: str = "mkt-1", **over: str) -> list[tuple[str, str]]:
    fields = {"csrf": csrf, "request_id": rid, "goal": "Winter sale", "category": "marketing",
              "priority": "normal", "title": "冬季特卖", "body": "会员专享 5 折起",
              "audience": "recipients", "recipients": "u-1, u-2\nu-3", "timezone": "UTC",
              "labels": "campaign=winter"} | over  # fmt: skip
    return [*fields.items(), ("channels", "app_push"), ("channels", "sms")]


async def test_pages_need_a_session_and_carry_a_strict_policy(p: Portal) -> None:
    for path in ("/portal/", "/portal/new", "/portal/reports", "/portal/requests/x"):
        answer = await p.http.get(path)
        assert (answer.status_code, answer.headers["location"]) == (303, "/portal/login")
    login = await p.http.get("/portal/login")
    assert login.headers["content-security-policy"] == CSP
    assert "<script" not in login.text and "style=" not in login.text
    reviewer = await p.post("/portal/login", [("key", "key-acme-reviewer")])
    assert reviewer.status_code == 403 and "set-cookie" not in reviewer.headers
    await p.log_in()
    (row,) = p.sessions.rows.values()
    assert row.sealed_key and b"key-acme-submitter" not in row.sealed_key


async def test_a_submitter_sees_their_department_and_an_admin_all_of_the_tenant(
    p: Portal,
) -> None:
    p.filed.add("acme", filed("mkt-1", last=status("mkt-1", "completed")))
    p.filed.add("acme", filed("ops-1", "ops", status("ops-1", "scheduled")))
    p.filed.add("globex", filed("glx-1", last=status("glx-1", "completed", tenant="globex")))
    await p.log_in("submitter")
    mine = await p.http.get("/portal/")
    assert "mkt-1" in mine.text and "ops-1" not in mine.text and "glx-1" not in mine.text
    assert (await p.http.get("/portal/requests/ops-1")).status_code == 404
    assert (await p.http.get("/portal/requests/glx-1")).status_code == 404
    assert (await p.http.get("/portal/requests/ops-1/report")).status_code == 404
    await p.log_in("admin")
    every = await p.http.get("/portal/")
    assert "mkt-1" in every.text and "ops-1" in every.text and "glx-1" not in every.text
    assert 'http-equiv="refresh"' in every.text  # ops-1 is in flight, and moved just now
    p.clock.now += timedelta(minutes=20)
    quiet = await p.http.get("/portal/")
    assert quiet.status_code == 200 and "ops-1" in quiet.text
    assert 'http-equiv="refresh"' not in quiet.text  # in flight, but quiet for 20 minutes
    await p.log_in("admin", "globex")
    assert (await p.http.get("/portal/requests/mkt-1")).status_code == 404


async def test_the_timeline_lists_every_status_with_times_and_reasons(p: Portal) -> None:
    held = Reason(code=ReasonCode.SENSITIVE_CONTENT, message="matched 1 term")
    history = [
        status("mkt-1", "accepted"),
        status("mkt-1", "pending_review", 1, reasons=[held.model_dump()]),
        status("mkt-1", "approved", 5),
        status("mkt-1", "scheduled", 6, counts=Counts(recipients=3).model_dump()),
    ]
    p.filed.add("acme", filed("mkt-1", last=history[-1]), *history)
    await p.log_in()
    page = await p.http.get("/portal/requests/mkt-1")
    order = [page.text.index(f"status-{k}\">{k}") for k in
             ("accepted", "pending_review", "approved", "scheduled")]  # fmt: skip
    assert order == sorted(order)
    assert "sensitive_content" in page.text and "matched 1 term" in page.text
    assert "2026-11-27 12:05:00 UTC" in page.text
    assert 'http-equiv="refresh" content="5"' in page.text and "Cancel this request" in page.text
    still = await p.http.get("/portal/requests/mkt-1?still=1")
    assert 'http-equiv="refresh"' not in still.text and "Reload automatically" in still.text
    p.filed.histories[("acme", "mkt-1")].append(status("mkt-1", "completed", 9))
    done = await p.http.get("/portal/requests/mkt-1")
    assert done.status_code == 200 and "status-completed" in done.text
    assert 'http-equiv="refresh"' not in done.text and "Cancel this request" not in done.text


async def test_filing_runs_a_dry_run_with_the_users_key_first(p: Portal) -> None:
    await p.log_in()
    csrf = await p.csrf("/portal/new")
    dry = await p.post("/portal/new", [*request_form(csrf), ("action", "dry_run")])
    assert dry.status_code == 200 and "Dry run: what would happen" in dry.text
    assert 'id="dry-audience">3<' in dry.text and 'id="dry-sends">2<' in dry.text
    assert "quiet_hours_deferred" in dry.text and "no_contact" in dry.text
    assert p.review.asked[-1][1] == "Bearer key-acme-submitter"
    assert p.scheduler.asked[-1][1] == "Bearer key-acme-submitter"
    assert p.events.published == []  # a dry run sends nothing
    checked = dry.text.split('name="checked" value="')[1].split('"')[0]
    filed_ = await p.post("/portal/new", [*request_form(csrf), ("action", "file"),
                                          ("checked", checked)])  # fmt: skip
    assert (filed_.status_code, filed_.headers["location"]) == (303, "/portal/requests/mkt-1")
    (accepted,) = p.events.on(Topic.ACCEPTED)
    envelope = accepted.json()
    assert envelope["request"]["requester"] == {"department": "marketing", "user": "li.wei"}
    assert envelope["submitter"]["credential"] == "acme-submitter"
    assert envelope["request"]["labels"] == {"campaign": "winter"}
    assert envelope["request"]["audience"]["recipients"] == ["u-1", "u-2", "u-3"]


async def test_a_request_changed_after_its_dry_run_is_dry_run_again_not_filed(p: Portal) -> None:
    await p.log_in()
    csrf = await p.csrf("/portal/new")
    dry = await p.post("/portal/new", [*request_form(csrf), ("action", "dry_run")])
    checked = dry.text.split('name="checked" value="')[1].split('"')[0]
    changed = request_form(csrf, recipients="u-1 u-2 u-3 u-4")
    again = await p.post("/portal/new", [*changed, ("action", "file"), ("checked", checked)])
    forged = await p.post("/portal/new", [*request_form(csrf), ("action", "file")])
    assert again.status_code == 200 and "The request changed since its last dry run" in again.text
    assert forged.status_code == 200 and "Dry run: what would happen" in forged.text
    assert p.events.published == []


async def test_the_form_cannot_file_for_someone_else_or_anyone_without_the_right(
    p: Portal,
) -> None:
    await p.log_in()
    csrf = await p.csrf("/portal/new")
    smuggled = [*request_form(csrf), ("requester", "zhang.san"), ("tenant", "globex"),
                ("action", "dry_run")]  # fmt: skip
    await p.post("/portal/new", smuggled)
    (asked,) = p.review.requests
    assert (asked.tenant, asked.requester.user, asked.requester.department) == (
        "acme", "li.wei", "marketing",
    )  # fmt: skip
    await p.log_in("viewer")
    assert (await p.http.get("/portal/new")).status_code == 403
    csrf = await p.csrf()
    viewer = await p.post("/portal/new", [*request_form(csrf), ("action", "dry_run")])
    assert viewer.status_code == 403 and len(p.review.asked) == 1
    await p.log_in("no-department-submitter")
    assert (await p.http.get("/portal/new")).status_code == 403


async def test_errors_are_shown_beside_their_fields_and_nothing_is_asked(p: Portal) -> None:
    await p.log_in()
    csrf = await p.csrf("/portal/new")
    bad = request_form(csrf, title="t" * 101, v_sms_title="", send_at="tomorrow", labels="oops")
    local = await p.post("/portal/new", [*bad, ("action", "dry_run")])
    assert local.status_code == 422
    assert 'id="send_at-error">&#39;tomorrow&#39; is not a date and time' in local.text
    assert "&#39;oops&#39; is not key=value" in local.text
    contract = await p.post("/portal/new", [*request_form(csrf, title="t" * 101),
                                            ("action", "dry_run")])  # fmt: skip
    assert contract.status_code == 422
    assert 'id="title-error">at most 100 characters' in contract.text
    assert 'id="title" name="title" value="' + "t" * 101 + '"' in contract.text
    assert p.review.asked == []


async def test_cancel_follows_the_api_rule(p: Portal) -> None:
    p.filed.add("acme", filed("mkt-1", last=status("mkt-1", "scheduled")))
    p.repo.rows[("acme", "mkt-1")] = _record("mkt-1", "marketing", status("mkt-1", "scheduled"))
    await p.log_in("viewer")
    csrf = await p.csrf("/portal/requests/mkt-1")
    refused = await p.post("/portal/requests/mkt-1/cancel", [("csrf", csrf)])
    assert refused.status_code == 403 and p.events.on(Topic.CANCELS) == []
    await p.log_in("submitter")
    csrf = await p.csrf("/portal/requests/mkt-1")
    done = await p.post("/portal/requests/mkt-1/cancel", [("csrf", csrf)])
    assert done.headers["location"] == "/portal/requests/mkt-1?done=cancel"
    (cancel,) = p.events.on(Topic.CANCELS)
    assert (cancel.json()["by"], cancel.json()["credential"]) == ("li.wei", "acme-submitter")
    stale = await p.post("/portal/requests/mkt-1/cancel", [("csrf", "not-it")])
    assert stale.status_code == 403 and len(p.events.on(Topic.CANCELS)) == 1


def _record(rid: str, department: str, last: Status) -> object:
    from herald.intake.domain import RequestRecord

    return RequestRecord("acme", rid, "h", department, "li.wei", "t", "http", "http:1",
                         True, last, "acme-submitter")  # fmt: skip


REPORT = {
    "request_id": "mkt-1", "status": "completed", "recipients": 10, "suppressed": 2,
    "sent": 8, "delivered": 6, "opened": 3, "read": 2, "clicked": 1,
    "read_rate": 0.5, "click_rate": 0.1667,
    "channels": {"sms": {"sent": 5, "delivered": 4, "opened": 2, "clicked": 1,
                         "read_rate": 0.5, "click_rate": 0.25},
                 "app_push": {"sent": 3, "delivered": 2, "opened": 1, "clicked": 0,
                              "read_rate": 0.5, "click_rate": 0.0}},
}  # fmt: skip
SERIES = {"bucket": "hour", "buckets": [
    {"start": "2026-11-27T12:00:00+00:00", "sent": 8, "delivered": 6, "read_rate": 0.5,
     "click_rate": 0.1667},
    {"start": "2026-11-27T13:00:00+00:00", "sent": 0, "delivered": 0, "read_rate": None,
     "click_rate": None},
]}  # fmt: skip


async def test_a_requests_report_draws_charts_with_the_users_key_and_offers_its_csv(
    p: Portal,
) -> None:
    p.filed.add("acme", filed("mkt-1", last=status("mkt-1", "completed")))
    p.reports.report, p.reports.series = REPORT, SERIES
    await p.log_in()
    page = await p.http.get("/portal/requests/mkt-1/report")
    assert page.status_code == 200
    assert page.text.count('role="img"') == 3 and '<title id="funnel-t">' in page.text
    assert "Funnel: 8 sent, 6 delivered, 3 read, 1 clicked" in page.text
    assert '<th scope="row">sms</th><td class="num">5</td>' in page.text
    assert {a[2] for a in p.reports.asked} == {"Bearer key-acme-submitter"}
    (window, bucket, rid) = next(a[1] for a in p.reports.asked if a[0] == "timeline")
    assert (bucket, rid, window.since) == ("hour", "mkt-1", NOW)
    csv = await p.http.get("/portal/requests/mkt-1/report.csv")
    assert csv.content == p.reports.csv
    assert csv.headers["content-disposition"] == 'attachment; filename="report-mkt-1.csv"'
    p.reports.down = True
    assert (await p.http.get("/portal/requests/mkt-1/report")).status_code == 503


async def test_range_reports_keep_a_submitter_to_their_department(p: Portal) -> None:
    p.reports.range = {"total": REPORT, "departments": {"marketing": REPORT}}
    p.reports.series = SERIES | {"bucket": "day"}
    await p.log_in()
    page = await p.http.get("/portal/reports?department=ops&since=2026-11-20&until=2026-11-27")
    assert page.status_code == 200 and 'id="by-department-t"' in page.text
    window = next(a[1] for a in p.reports.asked if a[0] == "range")
    assert window.department == "marketing"
    assert (window.since.isoformat(), window.until.isoformat()) == (
        "2026-11-20T00:00:00+00:00", "2026-11-28T00:00:00+00:00",
    )  # fmt: skip
    await p.log_in("admin")
    await p.http.get("/portal/reports?department=ops")
    assert next(a[1] for a in reversed(p.reports.asked) if a[0] == "range").department == "ops"
    await p.http.get("/portal/reports")
    assert next(a[1] for a in reversed(p.reports.asked) if a[0] == "range").department is None
    long = await p.http.get("/portal/reports?since=2026-10-01&until=2026-11-27&bucket=hour")
    assert long.status_code == 422
    csv = await p.http.get("/portal/reports.csv?since=2026-11-20&until=2026-11-27")
    assert (
        csv.headers["content-disposition"]
        == 'attachment; filename="report-2026-11-20-2026-11-27.csv"'
    )


async def test_a_revoked_key_ends_the_portal_session_at_once(p: Portal) -> None:
    await p.log_in()
    assert (await p.http.get("/portal/")).status_code == 200
    data = json.loads(p.keys_file.read_text())
    for k in data["keys"]:
        k["revoked"] = k["id"] == "acme-submitter"
    p.keys_file.write_text(json.dumps(data))
    assert (await p.http.get("/portal/")).headers["location"] == "/portal/login"


async def test_a_report_shows_its_unsubscribes_when_the_tracker_counts_them(p: Portal) -> None:
    p.filed.add("acme", filed("mkt-1", last=status("mkt-1", "completed")))
    p.reports.series = SERIES
    p.reports.report = REPORT | {"unsubscribed": 1, "unsubscribe_rate": 0.125}
    await p.log_in()
    page = await p.http.get("/portal/requests/mkt-1/report")
    assert "<dt>Unsubscribed</dt><dd>1 (12.5% of sent)</dd>" in page.text
