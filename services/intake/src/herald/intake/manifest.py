"""Intake's manifest: what tooling needs to know about it (herald.runtime.manifest).

HTTP API and `push.requests.v1` in; validated, deduplicated requests out.
"""

from pathlib import Path

from herald.contracts.topics import Topic
from herald.runtime.manifest import Consumes, ServiceManifest

MANIFEST = ServiceManifest(
    name="intake",
    settings="herald.intake.settings:IntakeSettings",
    app="herald.intake.main:create_app",
    http_port=8001,
    migrations=Path(__file__).parent / "migrations",
    consumes=(
        Consumes("herald-intake", Topic.REQUESTS),
        Consumes("herald-intake-standing", Topic.STANDING),
        Consumes("herald-intake-status", Topic.STATUS),
        Consumes("herald-intake-templates", Topic.TEMPLATE_REVIEWED),
    ),
    produces=frozenset(
        {
            Topic.ACCEPTED,
            Topic.CANCELS,
            Topic.DLQ,
            Topic.RECIPIENTS,
            Topic.STATUS,
            Topic.TEMPLATE_REVIEWS,
        }
    ),
)
