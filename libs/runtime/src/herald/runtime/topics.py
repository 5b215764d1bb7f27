"""Topic layout: partitions and configs, and creating what is missing."""

from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from herald.contracts import Topic
from herald.runtime.kafka_security import PLAINTEXT, KafkaSecurity


@dataclass(frozen=True, slots=True)
class TopicSpec:
    topic: Topic
    partitions: int
    config: dict[str, str] = field(default_factory=dict)


WHOLE_REQUEST = {"max.message.bytes": str(21 * 1024 * 1024)}
"""Topics whose records carry a whole request (up to 100,000 recipient ids) or its raw
bytes: above the producers' `KAFKA_MAX_REQUEST_BYTES` (20 MiB) by a record batch's
overhead and then some. Every other topic keeps the broker's default (1 MB)."""

DEFAULT_LAYOUT: tuple[TopicSpec, ...] = (
    TopicSpec(Topic.REQUESTS, 4, WHOLE_REQUEST),
    TopicSpec(Topic.RECIPIENTS, 4, {"cleanup.policy": "compact"}),
    TopicSpec(Topic.ENGAGEMENT, 4),
    TopicSpec(Topic.STATUS, 4),
    TopicSpec(Topic.DLQ, 1, {"retention.ms": str(30 * 24 * 3600 * 1000), **WHOLE_REQUEST}),
    TopicSpec(Topic.ACCEPTED, 4, WHOLE_REQUEST),
    TopicSpec(Topic.APPROVED, 4, WHOLE_REQUEST),
    TopicSpec(Topic.SENDS, 8),
    TopicSpec(Topic.SENDS_CRITICAL, 4),
    TopicSpec(Topic.OUTCOMES, 8),
    TopicSpec(Topic.CANCELS, 4),
    TopicSpec(Topic.STANDING, 1, {"cleanup.policy": "compact"}),
    TopicSpec(Topic.CONTACTS, 4),
    TopicSpec(Topic.CONSENT, 4),
    TopicSpec(Topic.TEMPLATE_REVIEWS, 1),
    TopicSpec(Topic.TEMPLATE_REVIEWED, 1),
)


async def ensure_topics(
    bootstrap_servers: str,
    layout: tuple[TopicSpec, ...] = DEFAULT_LAYOUT,
    *,
    replication_factor: int = 1,
    prefix: str = "",
    security: KafkaSecurity = PLAINTEXT,
) -> list[str]:
    """Create the topics that do not exist yet; return the names created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap_servers, **security.client_options())
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        missing = [
            NewTopic(prefix + s.topic, s.partitions, replication_factor, topic_configs=s.config)
            for s in layout
            if prefix + s.topic not in existing
        ]
        if missing:
            await admin.create_topics(missing)
        return [t.name for t in missing]
    finally:
        await admin.close()
