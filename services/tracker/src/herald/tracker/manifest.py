"""Tracker's manifest: what tooling needs to know about it (herald.runtime.manifest).

Outcomes, statuses and engagement in; the ledger, reports and `completed` out.
Consumer groups are `herald-tracker` plus the suffix given ("" for the bare name).
"""

from herald.contracts.topics import Topic
from herald.runtime.manifest import declare

MANIFEST = declare(
    "tracker",
    home=__file__,
    http_port=8005,
    consumes={
        "engagement": Topic.ENGAGEMENT,
        "outcomes": Topic.OUTCOMES,
        "recipients": Topic.RECIPIENTS,
        "status": Topic.STATUS,
    },
    produces={Topic.DLQ, Topic.ENGAGEMENT, Topic.STATUS},
)
