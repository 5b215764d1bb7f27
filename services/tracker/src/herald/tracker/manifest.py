"""Tracker's manifest: what tooling needs to know about it (herald.runtime.manifest).

Outcomes, statuses and engagement in; the ledger, reports and `completed` out.
"""

from herald.contracts.topics import Topic
from herald.runtime.manifest import declare

# deliberate declaration: what differs between services (consumer groups by suffix: ""
# is `herald-tracker` itself); the rest follows the layout (herald.runtime.manifest.declare)
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
