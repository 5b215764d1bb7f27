"""Dispatcher's manifest: what tooling needs to know about it (herald.runtime.manifest).

Sends in; calls to channel providers, and their outcomes, out.
"""

from pathlib import Path

from herald.contracts.topics import Topic
from herald.runtime.manifest import Consumes, ServiceManifest

MANIFEST = ServiceManifest(
    name="dispatcher",
    settings="herald.dispatcher.settings:DispatcherSettings",
    app="herald.dispatcher.main:create_app",
    http_port=8004,
    migrations=Path(__file__).parent / "migrations",
    consumes=(
        Consumes("herald-dispatcher", Topic.SENDS),
        Consumes("herald-dispatcher-critical", Topic.SENDS_CRITICAL),
        Consumes("herald-dispatcher-cancels", Topic.CANCELS),
        Consumes("herald-dispatcher-consent", Topic.RECIPIENTS),
    ),
    produces=frozenset(
        {Topic.CONSENT, Topic.CONTACTS, Topic.DLQ, Topic.ENGAGEMENT, Topic.OUTCOMES}
    ),
)
