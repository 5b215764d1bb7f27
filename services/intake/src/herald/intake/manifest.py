"""Intake's manifest: what tooling needs to know about it (herald.runtime.manifest).

HTTP API and `push.requests.v1` in; validated, deduplicated requests out.
Consumer groups are `herald-intake` plus the suffix given ("" for the bare name).
"""

from herald.contracts.topics import Topic
from herald.runtime.manifest import declare

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
