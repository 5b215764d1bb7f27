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


DEFAULT_LAYOUT: tuple[TopicSpec, ...] = (
    TopicSpec(Topic.REQUESTS, 4),
    TopicSpec(Topic.RECIPIENTS, 4, {"cleanup.policy": "compact"}),
    TopicSpec(Topic.ENGAGEMENT, 4),
    TopicSpec(Topic.STATUS, 4),
    TopicSpec(Topic.DLQ, 1, {"retention.ms": str(30 * 24 * 3600 * 1000)}),
    TopicSpec(Topic.ACCEPTED, 4),
    TopicSpec(Topic.APPROVED, 4),
    TopicSpec(Topic.SENDS, 8),
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
