"""Tracker's manifest: what tooling needs to know about it (herald.runtime.manifest).

Outcomes, statuses and engagement in; the ledger, reports and `completed` out.
"""

from pathlib import Path

from herald.contracts.topics import Topic
from herald.runtime.manifest import Consumes, ServiceManifest

MANIFEST = ServiceManifest(
    name="tracker",
    settings="herald.tracker.settings:TrackerSettings",
    app="herald.tracker.main:create_app",
    http_port=8005,
    migrations=Path(__file__).parent / "migrations",
    consumes=(
        Consumes("herald-tracker-engagement", Topic.ENGAGEMENT),
        Consumes("herald-tracker-outcomes", Topic.OUTCOMES),
        Consumes("herald-tracker-recipients", Topic.RECIPIENTS),
        Consumes("herald-tracker-status", Topic.STATUS),
    ),
    produces=frozenset({Topic.DLQ, Topic.ENGAGEMENT, Topic.STATUS}),
)
