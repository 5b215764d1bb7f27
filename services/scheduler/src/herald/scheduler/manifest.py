"""Scheduler's manifest: what tooling needs to know about it (herald.runtime.manifest).

Approved requests and the recipient directory in; one timed send per recipient out.
"""

from herald.contracts.topics import Topic
from herald.runtime.manifest import declare

# deliberate declaration: what differs between services (consumer groups by suffix: ""
# is `herald-scheduler` itself); the rest follows the layout (herald.runtime.manifest.declare)
MANIFEST = declare(
    "scheduler",
    home=__file__,
    http_port=8003,
    consumes={
        "": Topic.APPROVED,
        "cancels": Topic.CANCELS,
        "contacts": Topic.CONTACTS,
        "critical": Topic.APPROVED,
        "directory": Topic.RECIPIENTS,
        "engagement": Topic.ENGAGEMENT,
        "outcomes": Topic.OUTCOMES,
    },
    produces={Topic.DLQ, Topic.OUTCOMES, Topic.SENDS, Topic.SENDS_CRITICAL, Topic.STATUS},
)
