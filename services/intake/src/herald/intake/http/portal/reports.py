"""The portal's reports: one request's (the funnel, by channel, over time) and the
department's or tenant's over a range, drawn from tracker's reports (asked with the
user's own key) as inline SVG with a table beside each chart, and tracker's CSV."""

from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from fastapi import Request
from fastapi.responses import Response

from herald.intake.http.portal import views
from herald.intake.http.portal.charts import funnel, grouped
from herald.intake.http.portal.scope import department_scope, may_see
from herald.intake.http.portal.timechart import over_time
from herald.intake.http.portal.web import LOGIN, Pages, download
from herald.intake.ports import Filed, FiledRequests, ReportReader, ReportsUnavailable, ReportWindow
from herald.runtime.clock import Clock
from herald.runtime.websessions import WebSession
from herald.runtime.websessions.pages import see_other

NO_DEPARTMENT = "This key has no department, so it has no reports to see."


class ReportPages:
    # deliberate declaration: the dependencies main injects, one named parameter each
    def __init__(
        self, pages: Pages, filed: FiledRequests, reports: ReportReader, clock: Clock
    ) -> None:
        self._p, self._filed, self._reports, self._clock = pages, filed, reports, clock

    async def _request(
        self, request: Request, request_id: str
    ) -> tuple[WebSession, Filed] | Response:
        s = await self._p.session(request)
        if s is None:
            return see_other(LOGIN)
        filed = await self._filed.filed(s.principal.tenant, request_id)
        if filed is None or not may_see(s.principal, filed.department):
            return self._p.missing(s, f"request {request_id}")
        return s, filed

    async def request_report(self, request_id: str, request: Request) -> Response:
        found = await self._request(request, request_id)
        if isinstance(found, Response):
            return found
        s, filed = found
        now = self._clock()
        bucket = "hour" if now - filed.created_at <= timedelta(days=2) else "day"
        window = ReportWindow(max(filed.created_at, now - timedelta(days=366)), now)
        try:
            report = await self._reports.request_report(request_id, s.authorization)
            series = await self._reports.timeline(window, bucket, request_id, s.authorization)
        except ReportsUnavailable:
            why = "Reports are unavailable just now: try again shortly."
            return self._p.page(
                s, "report.html", 503, r=views.listed(filed), report=None, error=why
            )
        if report is None:
            return self._p.page(s, "report.html", r=views.listed(filed), report=None)
        charts = _charts(f"Request {request_id}", report, report.get("channels", {}), series)
        return self._p.page(s, "report.html", r=views.listed(filed), report=report, **charts)

    async def request_csv(self, request_id: str, request: Request) -> Response:
        found = await self._request(request, request_id)
        if isinstance(found, Response):
            return found
        s, _ = found
        try:
            body = await self._reports.request_csv(request_id, s.authorization)
        except ReportsUnavailable:
            body = None
        if body is None:
            return self._p.missing(s, f"a report of {request_id}")
        return download(body, f"report-{request_id}.csv")

    async def range_page(self, request: Request) -> Response:
        s = await self._p.session(request)
        if s is None:
            return see_other(LOGIN)
        asked = _Asked.read(request, s, self._clock())
        context: dict[str, Any] = {"asked": asked, "report": None}
        if asked.error:
            status = 422 if asked.scope != "" else 403
            return self._p.page(s, "reports.html", status, error=asked.error, **context)
        try:
            report = await self._reports.range_report(asked.window, s.authorization)
            series = await self._reports.timeline(asked.window, asked.bucket, None, s.authorization)
        except ReportsUnavailable:
            why = "Reports are unavailable just now."
            return self._p.page(s, "reports.html", 503, error=why, **context)
        total, departments = report.get("total", {}), report.get("departments", {})
        charts = _charts(asked.title, total, total.get("channels", {}), series)
        charts["departments"] = grouped("by-department", "By department", views.groups(departments))
        charts["department_rows"] = views.rows(departments)
        return self._p.page(s, "reports.html", **context | {"report": total}, **charts)

    async def range_csv(self, request: Request) -> Response:
        s = await self._p.session(request)
        if s is None:
            return see_other(LOGIN)
        asked = _Asked.read(request, s, self._clock())
        if asked.error:
            return self._p.page(s, "reports.html", 422, error=asked.error, asked=asked, report=None)
        try:
            body = await self._reports.range_csv(asked.window, s.authorization)
        except ReportsUnavailable:
            why = "Reports are unavailable just now."
            return self._p.page(s, "reports.html", 503, error=why, asked=asked, report=None)
        return download(body, f"report-{asked.since_day}-{asked.until_day}.csv")


def _charts(
    title: str, report: dict[str, Any], channels: dict[str, Any], series: dict[str, Any]
) -> dict[str, Any]:
    buckets, bucket = series.get("buckets", []), str(series.get("bucket", "day"))
    return {
        "funnel": funnel(
            "funnel", f"{title}: sent, delivered, read, clicked", views.funnel_counts(report)
        ),
        "stages": views.funnel_counts(report),
        "channels": grouped("by-channel", "By channel", views.groups(channels)),
        "channel_rows": views.rows(channels),
        "over_time": over_time("over-time", f"Sends and rates by {bucket}", buckets, bucket),
        "time_rows": views.rate_rows(buckets),
        "bucket": bucket,
    }


class _Asked:
    """The range page's question: days (UTC, `until` included), bucket, department."""

    def __init__(
        self, since: date, until: date, bucket: str, scope: str | None, error: str
    ) -> None:
        self.since_day, self.until_day, self.bucket = since, until, bucket
        self.scope, self.error = scope, error
        start = datetime.combine(since, time(), UTC)
        self.window = ReportWindow(
            start, datetime.combine(until, time(), UTC) + timedelta(days=1), scope
        )
        self.title = f"{scope or 'All departments'}, {since} to {until}"

    @classmethod
    def read(cls, request: Request, s: WebSession, now: datetime) -> "_Asked":
        q = request.query_params
        scope = department_scope(s.principal)
        if scope is None and q.get("department", "").strip():
            scope = q["department"].strip()[:128]
        today = now.astimezone(UTC).date()
        error = "" if scope != "" else NO_DEPARTMENT
        try:
            until = date.fromisoformat(q.get("until") or today.isoformat())
            since = date.fromisoformat(q.get("since") or (until - timedelta(days=6)).isoformat())
        except ValueError:
            return cls(today - timedelta(days=6), today, "day", scope, "Dates are YYYY-MM-DD.")
        bucket = "hour" if q.get("bucket") == "hour" else "day"
        longest = 31 if bucket == "hour" else 366
        if not since <= until or (until - since).days + 1 > longest:
            error = error or f"From must be on or before to, at most {longest} days by {bucket}."
        return cls(since, until, bucket, scope, error)
