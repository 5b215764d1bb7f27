"""Tracker's report over time: `GET /v1/reports/timeline` (JSON).

The same counting as the other reports, per hour or day of outcome time (UTC), for the
caller's tenant, optionally one department or one request.
"""

from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from herald.contracts import ReasonCode
from herald.contracts.common import ID_PATTERN
from herald.runtime.auth import Authenticator, Principal
from herald.runtime.clock import Clock
from herald.runtime.problems import PROBLEM_RESPONSE, Problem
from herald.tracker.domain.timeline import MAX_SPAN, build_timeline, floor
from herald.tracker.http.reports import REPORT_READERS
from herald.tracker.ports import ReportSource, TimelineQuery

_ANSWERS: dict[int | str, dict[str, Any]] = dict.fromkeys((401, 403, 422), PROBLEM_RESPONSE)


def build_timeline_http(ledger: ReportSource, auth: Authenticator, clock: Clock) -> APIRouter:
    api = APIRouter(tags=["reports"])
    readers = auth.requires(*REPORT_READERS)

    @api.get("/v1/reports/timeline", responses=_ANSWERS)
    async def timeline(
        who: Annotated[Principal, readers],
        since: datetime | None = None,
        until: datetime | None = None,
        bucket: Literal["hour", "day"] = "day",
        department: Annotated[str | None, Query(max_length=128)] = None,
        request_id: Annotated[str | None, Query(pattern=ID_PATTERN)] = None,
    ) -> JSONResponse:
        """Per hour or day (UTC) of outcome time over [since, until): the outcomes in it,
        sent, delivered, failed, opened, read, clicked, read and click rates (over
        delivered), in total and per channel; buckets without outcomes are there with
        zeros. Default: the last 7 days by day (hour: the last 24 hours); at most 31 days
        by hour, 366 by day."""
        since, until = _range(since, until, bucket, clock())
        query = TimelineQuery(who.tenant, since, until, bucket, department, request_id)
        rows = await ledger.timeline_rows(query)
        return JSONResponse(
            {
                "tenant": who.tenant,
                "since": since.isoformat(),
                "until": until.isoformat(),
                "bucket": bucket,
                "department": department,
                "request_id": request_id,
                "buckets": build_timeline(rows, since, until, bucket),
            }
        )

    return api


def _range(
    since: datetime | None, until: datetime | None, bucket: str, now: datetime
) -> tuple[datetime, datetime]:
    until = until or now
    since = since or until - (timedelta(days=1) if bucket == "hour" else timedelta(days=7))
    if since.tzinfo is None or until.tzinfo is None:
        raise Problem(422, ReasonCode.INVALID_REQUEST, "Invalid range", "times need an offset")
    since = floor(since, bucket)
    if not since < until or until - since > MAX_SPAN[bucket]:
        span = MAX_SPAN[bucket].days
        raise Problem(
            422,
            ReasonCode.INVALID_REQUEST,
            "Invalid range",
            f"since < until, and at most {span} days by {bucket}",
        )
    return since, until
