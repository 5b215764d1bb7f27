"""Scheduler's manifest: what tooling needs to know about it (herald.runtime.manifest).

Approved requests and the recipient directory in; one timed send per recipient out.
"""

from pathlib import Path

from herald.contracts.topics import Topic
from herald.runtime.manifest import Consumes, ServiceManifest

MANIFEST = ServiceManifest(
    name="scheduler",
    settings="herald.scheduler.settings:SchedulerSettings",
    app="herald.scheduler.main:create_app",
    http_port=8003,
    migrations=Path(__file__).parent / "migrations",
    consumes=(
        Consumes("herald-scheduler", Topic.APPROVED),
        Consumes("herald-scheduler-cancels", Topic.CANCELS),
        Consumes("herald-scheduler-contacts", Topic.CONTACTS),
        Consumes("herald-scheduler-critical", Topic.APPROVED),
        Consumes("herald-scheduler-directory", Topic.RECIPIENTS),
        Consumes("herald-scheduler-engagement", Topic.ENGAGEMENT),
        Consumes("herald-scheduler-outcomes", Topic.OUTCOMES),
    ),
    produces=frozenset(
        {Topic.DLQ, Topic.OUTCOMES, Topic.SENDS, Topic.SENDS_CRITICAL, Topic.STATUS}
    ),
)
