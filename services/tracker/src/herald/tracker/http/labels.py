"""`GET /v1/reports/labels/{key}`: the tenant's report per value of one label (a
campaign, say) over a range of outcome time, JSON or CSV.

Counted as every report counts (domain.report): the outcomes in [since, until) of the
requests carrying the label, by the label's value, with their engagement whenever it
came, by channel and provider, with failures by reason.
"""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from herald.contracts import ReasonCode
from herald.runtime.auth import Authenticator, Principal
from herald.runtime.clock import Clock
from herald.runtime.problems import Problem
from herald.tracker.http.label_filter import valid_key
from herald.tracker.http.reports import (
    ANSWERS,
    REPORT_READERS,
    Format,
    ProvidersParam,
    csv_response,
    labelled_reports,
    range_answer,
    range_of,
    wants_csv,
)
from herald.tracker.ports import LabelQuery, ReportSource


def build_labels_http(ledger: ReportSource, auth: Authenticator, clock: Clock) -> APIRouter:
    api = APIRouter(tags=["reports"])
    readers = auth.requires(*REPORT_READERS)

    # deliberate declaration: a route spells out its parameters (FastAPI reads them for the
    # OpenAPI document), as the other report routes do
    @api.get("/v1/reports/labels/{key}", responses=ANSWERS)
    async def label_report(
        request: Request,
        key: str,
        who: Annotated[Principal, readers],
        since: datetime | None = None,
        until: datetime | None = None,
        department: Annotated[str | None, Query(max_length=128)] = None,
        format: Format = None,
        providers: ProvidersParam = False,
    ) -> Response:
        """The caller's tenant per value of label `key` over [since, until) of outcome
        time (default: the last 7 days; at most 366 days), in total and per value; the
        requests without the label are not counted."""
        if not valid_key(key):
            raise Problem(422, ReasonCode.INVALID_REQUEST, "Invalid label", "not a label key")
        since, until = range_of(since, until, clock())
        q = LabelQuery(who.tenant, since, until, key, by_value=True, department=department)
        reports = await labelled_reports(ledger, q)
        if wants_csv(request, format):
            name = f"report-{key}-{since.date()}-{until.date()}"
            return csv_response(reports, name, providers, group="label")
        labelled = {"label": key}
        return range_answer(who.tenant, since, until, department, reports, "values", labelled)

    return api
