"""Scheduler's manifest: what tooling needs to know about it (herald.runtime.manifest).

Approved requests and the recipient directory in; one timed send per recipient out.
Consumer groups are `herald-scheduler` plus the suffix given ("" for the bare name).
"""

from herald.contracts.topics import Topic
from herald.runtime.manifest import declare

MANIFEST = declare(
    "scheduler",
    home=__file__,
    http_port=8003,
    consumes={
        "": Topic.APPROVED,
        "cancels": Topic.CANCELS,
        "contacts": Topic.CONTACTS,
        "directory": Topic.RECIPIENTS,
        "engagement": Topic.ENGAGEMENT,
        "outcomes": Topic.OUTCOMES,
    },
    produces={Topic.DLQ, Topic.OUTCOMES, Topic.SENDS, Topic.STATUS},
)
