"""Tracker's reports over HTTP: one request's, and a tenant's by department over a range
(optionally only the requests carrying a label: `?label=campaign:spring`).

Both answer JSON, or CSV with `Accept: text/csv` or `?format=csv` (`providers=true` adds
a row per provider).
"""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response

from herald.contracts import ReasonCode
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.clock import Clock
from herald.runtime.problems import PROBLEM_RESPONSE, Problem
from herald.tracker.domain.report import Report, build_range_reports, build_report, combine
from herald.tracker.http.label_filter import LabelParam, parse_label
from herald.tracker.http.report_csv import to_csv
from herald.tracker.ports import LabelQuery, ReportSource

MAX_RANGE = timedelta(days=366)
DEFAULT_RANGE = timedelta(days=7)
Format = Literal["json", "csv"] | None
ANSWERS: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/csv": {}}},
    **dict.fromkeys((401, 403, 404, 422), PROBLEM_RESPONSE),
}


def wants_csv(request: Request, fmt: Format) -> bool:
    if fmt is not None:
        return fmt == "csv"
    return "text/csv" in request.headers.get("accept", "")


ProvidersParam = Annotated[bool, Query(description="CSV: a row per provider too")]


REPORT_READERS = (Role.VIEWER, Role.SUBMITTER, Role.REVIEWER)
"""Who may read reports (each within their tenant, departments as the key allows)."""


def csv_response(
    reports: dict[str, Report], filename: str, providers: bool = False, group: str = "department"
) -> Response:
    return Response(
        to_csv(reports, providers=providers, group=group),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="{filename}.csv"'},
    )


def range_answer(
    tenant: str,
    since: datetime,
    until: datetime,
    department: str | None,
    reports: dict[str, Report],
    per: str,
    extra: dict[str, Any],
) -> JSONResponse:
    """A report over a range as JSON: its bounds, `extra`, the total and each group's
    report under `per` (`departments`, or a label's `values`)."""
    return JSONResponse(
        {
            "tenant": tenant,
            "since": since.isoformat(),
            "until": until.isoformat(),
            "department": department,
            **extra,
            "total": combine(reports.values()).as_json(),
            per: {group: report.as_json() for group, report in reports.items()},
        }
    )


async def labelled_reports(ledger: ReportSource, query: LabelQuery) -> dict[str, Report]:
    """The reports of the requests carrying a label, per department or per the label's
    value (`query.by_value`)."""
    rows, deferrals = await ledger.label_rows(query)
    return build_range_reports(rows, deferrals, group="grp")


def build_http(ledger: ReportSource, auth: Authenticator, clock: Clock) -> APIRouter:
    api = APIRouter(tags=["reports"])
    readers = auth.requires(*REPORT_READERS)

    # deliberate declaration: a route spells out its parameters (FastAPI reads them for the
    # OpenAPI document), as the other report routes do
    @api.get("/v1/requests/{request_id}/report", responses=ANSWERS)
    async def request_report(
        request: Request,
        request_id: str,
        who: Annotated[Principal, readers],
        format: Format = None,
        providers: ProvidersParam = False,
    ) -> Response:
        """Counts by channel and provider, read rate and click rate (both over
        delivered), failures by reason."""
        row = await ledger.request(who.tenant, request_id)
        if row is None:
            raise Problem(404, ReasonCode.NOT_FOUND, "Not found", f"no report for {request_id}")
        rows, deferrals = await ledger.report_rows(who.tenant, request_id)
        report = build_report(row["recipients"] or 0, rows, deferrals)
        if wants_csv(request, format):
            return csv_response(
                {row["department"] or "": report}, f"report-{request_id}", providers
            )
        return JSONResponse(
            {
                "request_id": request_id,
                "tenant": who.tenant,
                "department": row["department"],
                "labels": row["labels"],
                "status": row["final_status"],
                **report.as_json(),
            }
        )

    @api.get("/v1/reports", responses=ANSWERS)
    async def range_report(
        request: Request,
        who: Annotated[Principal, readers],
        since: datetime | None = None,
        until: datetime | None = None,
        department: Annotated[str | None, Query(max_length=128)] = None,
        label: LabelParam = None,
        format: Format = None,
        providers: ProvidersParam = False,
    ) -> Response:
        """The caller's tenant by department over [since, until) of outcome time
        (default: the last 7 days; at most 366 days); with `label` (`key:value`, or
        `key` for any value) only the requests carrying it."""
        since, until = range_of(since, until, clock())
        if label is None:
            rows, deferrals = await ledger.range_rows(who.tenant, since, until, department)
            reports = build_range_reports(rows, deferrals)
        else:
            key, value = parse_label(label)
            q = LabelQuery(who.tenant, since, until, key, value, department=department)
            reports = await labelled_reports(ledger, q)
        if wants_csv(request, format):
            return csv_response(reports, f"report-{since.date()}-{until.date()}", providers)
        labelled = {"label": label} if label is not None else {}
        return range_answer(who.tenant, since, until, department, reports, "departments", labelled)

    return api


def range_of(
    since: datetime | None, until: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    until = until or now
    since = since or until - DEFAULT_RANGE
    if since.tzinfo is None or until.tzinfo is None:
        raise Problem(422, ReasonCode.INVALID_REQUEST, "Invalid range", "times need an offset")
    if not since < until or until - since > MAX_RANGE:
        raise Problem(
            422, ReasonCode.INVALID_REQUEST, "Invalid range", "since < until, at most 366 days"
        )
    return since, until
