"""Intake's manifest: what tooling needs to know about it (herald.runtime.manifest).

HTTP API and `push.requests.v1` in; validated, deduplicated requests out.
"""

from herald.contracts.topics import Topic
from herald.runtime.manifest import declare

# deliberate declaration: what differs between services (consumer groups by suffix: ""
# is `herald-intake` itself); the rest follows the layout (herald.runtime.manifest.declare)
MANIFEST = declare(
    "intake",
    home=__file__,
    http_port=8001,
    consumes={
        "": Topic.REQUESTS,
        "standing": Topic.STANDING,
        "status": Topic.STATUS,
        "templates": Topic.TEMPLATE_REVIEWED,
    },
    produces={
        Topic.ACCEPTED,
        Topic.CANCELS,
        Topic.DLQ,
        Topic.RECIPIENTS,
        Topic.STATUS,
        Topic.TEMPLATE_REVIEWS,
    },
)
