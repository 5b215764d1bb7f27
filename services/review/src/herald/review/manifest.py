"""Review's manifest: what tooling needs to know about it (herald.runtime.manifest).

Accepted requests in; compliance decisions (automatic and human) out.
"""

from pathlib import Path

from herald.contracts.topics import Topic
from herald.runtime.manifest import Consumes, ServiceManifest

MANIFEST = ServiceManifest(
    name="review",
    settings="herald.review.settings:ReviewSettings",
    app="herald.review.main:create_app",
    http_port=8002,
    migrations=Path(__file__).parent / "migrations",
    consumes=(
        Consumes("herald-review", Topic.ACCEPTED),
        Consumes("herald-review-cancels", Topic.CANCELS),
        Consumes("herald-review-templates", Topic.TEMPLATE_REVIEWS),
    ),
    produces=frozenset(
        {Topic.APPROVED, Topic.DLQ, Topic.STANDING, Topic.STATUS, Topic.TEMPLATE_REVIEWED}
    ),
)
