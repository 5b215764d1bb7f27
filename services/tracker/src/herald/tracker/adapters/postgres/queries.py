"""The report queries: one row per (channel, outcome, reason) with engagement per delivery.

A delivery counts as delivered when the provider said so or any engagement event came
for it; read = an `opened` or `read` event; clicked = a `clicked` event; unsubscribed = an
`unsubscribed` event (only Herald reports one: its signed opt-out link was used; the
handlers refuse it from anyone else). Each delivery counts once however many events it has.
"""

# Both reports count the same way: per delivery, whether any engagement came for it and
# of which kinds (`e`), then per group of outcomes how many were delivered, read, clicked.
# An event counts for the tenant it was credited to ($1), or, credited to nobody (Herald's
# own report of a delivery it did not know yet), for whoever the delivery belongs to.
_ENGAGED = """SELECT ev.delivery_id,
           true AS any_event,
           bool_or(ev.kind IN ('opened', 'read')) AS opened,
           bool_or(ev.kind = 'read') AS read,
           bool_or(ev.kind = 'clicked') AS clicked,
           bool_or(ev.kind = 'unsubscribed') AS unsubscribed
    FROM tracker.engagement ev JOIN o USING (delivery_id)
    WHERE (ev.tenant IS NULL OR ev.tenant = $1)"""
_COUNTED = """count(*) AS n,
       count(*) FILTER (WHERE o.outcome = 'delivered' OR e.any_event) AS delivered,
       count(*) FILTER (WHERE e.opened) AS opened,
       count(*) FILTER (WHERE e.read) AS read,
       count(*) FILTER (WHERE e.clicked) AS clicked,
       count(*) FILTER (WHERE e.unsubscribed) AS unsubscribed
FROM o LEFT JOIN e USING (delivery_id)"""


def _per_channel_since(group: str) -> str:
    """The engagement (`e`, from a day before $2) and the counts per (`group`, channel,
    provider, outcome, reason) of the deliveries in `o`: the range and label reports."""
    return f"""e AS (
    {_ENGAGED}
      AND ev.at >= $2 - interval '1 day'
    GROUP BY ev.delivery_id)
SELECT {group}, coalesce(o.channel, '') AS channel, coalesce(o.provider, '') AS provider,
       o.outcome, coalesce(o.reason, '') AS reason,
       {_COUNTED}
GROUP BY 1, 2, 3, 4, 5"""


BY_CHANNEL = f"""
WITH o AS (
    SELECT delivery_id, channel, provider, outcome, reason FROM tracker.outcomes
    WHERE tenant = $1 AND request_id = $2),
e AS (
    {_ENGAGED}
    GROUP BY ev.delivery_id)
SELECT coalesce(o.channel, '') AS channel, coalesce(o.provider, '') AS provider, o.outcome,
       coalesce(o.reason, '') AS reason,
       {_COUNTED}
GROUP BY 1, 2, 3, 4
"""  # noqa: S608 - composed of this module's constants only

DEFERRALS = """
SELECT d.reason, count(*) AS n
FROM tracker.outcomes o, unnest(o.deferred) AS d(reason)
WHERE o.tenant = $1 AND o.request_id = $2
GROUP BY 1
"""

# Over a time range: deliveries whose outcome falls in [since, until), with their
# engagement whenever it came (from a day before `since`, for clock skew; the bound
# lets Postgres skip older engagement partitions).
RANGE_BY_CHANNEL = f"""
WITH o AS (
    SELECT delivery_id, department, channel, provider, outcome, reason FROM tracker.outcomes
    WHERE tenant = $1 AND at >= $2 AND at < $3 AND ($4::text IS NULL OR department = $4)),
{_per_channel_since("o.department")}
"""  # noqa: S608 - composed of this module's constants only

RANGE_DEFERRALS = """
SELECT o.department, d.reason, count(*) AS n
FROM tracker.outcomes o, unnest(o.deferred) AS d(reason)
WHERE o.tenant = $1 AND o.at >= $2 AND o.at < $3 AND ($4::text IS NULL OR o.department = $4)
GROUP BY 1, 2
"""

# Over time: the deliveries of [since, until) grouped by the hour or day (UTC) their
# outcome falls in, each with its engagement whenever it came, so that each bucket's
# rates are those of the pushes sent in it. $5 is 'hour' or 'day'; $6 one request or NULL.
TIMELINE_BY_CHANNEL = f"""
WITH o AS (
    SELECT delivery_id, channel, outcome, reason,
           date_trunc($5, at AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS bucket
    FROM tracker.outcomes
    WHERE tenant = $1 AND at >= $2 AND at < $3 AND ($4::text IS NULL OR department = $4)
      AND ($6::text IS NULL OR request_id = $6)),
e AS (
    {_ENGAGED}
      AND ev.at >= $2 - interval '1 day'
    GROUP BY ev.delivery_id)
SELECT o.bucket, coalesce(o.channel, '') AS channel, o.outcome,
       coalesce(o.reason, '') AS reason,
       {_COUNTED}
GROUP BY 1, 2, 3, 4
"""  # noqa: S608 - composed of this module's constants only

# By label: the outcomes in [since, until) of the requests carrying label $5 (with the
# value $6, or any value when $6 is NULL), grouped by department, or by the label's value
# when $7 is true. A request's labels are those its `scheduled` Status carried.
_LABELLED = """
r AS (
    SELECT request_id, labels ->> $5 AS v FROM tracker.requests
    WHERE tenant = $1 AND labels ? $5 AND ($6::text IS NULL OR labels ->> $5 = $6)),
o AS (
    SELECT x.delivery_id, x.channel, x.provider, x.outcome, x.reason, x.deferred,
           CASE WHEN $7::boolean THEN r.v ELSE x.department END AS grp
    FROM tracker.outcomes x JOIN r USING (request_id)
    WHERE x.tenant = $1 AND x.at >= $2 AND x.at < $3
      AND ($4::text IS NULL OR x.department = $4))"""

LABELLED_BY_CHANNEL = f"""
WITH {_LABELLED},
{_per_channel_since("o.grp")}
"""

LABELLED_DEFERRALS = f"""
WITH {_LABELLED}
SELECT o.grp, d.reason, count(*) AS n
FROM o, unnest(o.deferred) AS d(reason)
GROUP BY 1, 2
"""  # noqa: S608 - composed of this module's constants only
