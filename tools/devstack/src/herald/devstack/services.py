"""The services the local stack runs and the tools describe: their manifests, in the
order requests flow through them.

The only place the devstack names services; everything else (ports, migrations, topics,
how to build an app) comes from each service's manifest (herald.runtime.manifest).
Imports only the manifests, so the migration image can carry this module.
"""

from herald.dispatcher.manifest import MANIFEST as DISPATCHER
from herald.intake.manifest import MANIFEST as INTAKE
from herald.review.manifest import MANIFEST as REVIEW
from herald.runtime.manifest import ServiceManifest
from herald.scheduler.manifest import MANIFEST as SCHEDULER
from herald.tracker.manifest import MANIFEST as TRACKER

SERVICES: tuple[ServiceManifest, ...] = (INTAKE, REVIEW, SCHEDULER, DISPATCHER, TRACKER)
BY_NAME: dict[str, ServiceManifest] = {m.name: m for m in SERVICES}
