"""Dispatcher's manifest: what tooling needs to know about it (herald.runtime.manifest).

Sends in; calls to channel providers, and their outcomes, out.
"""

from herald.contracts.topics import Topic
from herald.runtime.manifest import declare

# deliberate declaration: what differs between services (consumer groups by suffix: ""
# is `herald-dispatcher` itself); the rest follows the layout (herald.runtime.manifest.declare)
MANIFEST = declare(
    "dispatcher",
    home=__file__,
    http_port=8004,
    consumes={
        "": Topic.SENDS,
        "critical": Topic.SENDS_CRITICAL,
        "cancels": Topic.CANCELS,
        "consent": Topic.RECIPIENTS,
    },
    produces={Topic.CONSENT, Topic.CONTACTS, Topic.DLQ, Topic.ENGAGEMENT, Topic.OUTCOMES},
)
