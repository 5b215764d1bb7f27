"""Review's manifest: what tooling needs to know about it (herald.runtime.manifest).

Accepted requests in; compliance decisions (automatic and human) out.
"""

from herald.contracts.topics import Topic
from herald.runtime.manifest import declare

# deliberate declaration: what differs between services (consumer groups by suffix: ""
# is `herald-review` itself); the rest follows the layout (herald.runtime.manifest.declare)
MANIFEST = declare(
    "review",
    home=__file__,
    http_port=8002,
    consumes={
        "": Topic.ACCEPTED,
        "cancels": Topic.CANCELS,
        "critical": Topic.ACCEPTED,
        "templates": Topic.TEMPLATE_REVIEWS,
    },
    produces={Topic.APPROVED, Topic.DLQ, Topic.STANDING, Topic.STATUS, Topic.TEMPLATE_REVIEWED},
)
