"""Consumer lag per topic: the end offsets less what tracker's groups have committed.

Uses the admin client with explicit partitions (the local broker drops the connection
when asked for a group's offsets without them).
"""

from collections.abc import Mapping

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from herald.runtime.kafka_security import PLAINTEXT, KafkaSecurity
from herald.tracker.metrics import TrackerMetrics


def lag(ends: Mapping[TopicPartition, int], committed: Mapping[TopicPartition, int]) -> int:
    """Messages not yet committed, summed over partitions (uncommitted = from the start)."""
    return sum(max(0, end - committed.get(tp, 0)) for tp, end in ends.items())


class LagProbe:
    def __init__(
        self,
        bootstrap: str,
        groups: Mapping[str, str],
        metrics: TrackerMetrics,
        prefix: str = "",
        security: KafkaSecurity = PLAINTEXT,
    ) -> None:
        """`groups`: {topic name: consumer group}; `prefix` is put before each topic and group
        name (as the runtime does); `security`: the service's SASL/TLS settings."""
        self._bootstrap, self._groups, self._metrics = bootstrap, dict(groups), metrics
        self._prefix = prefix
        self._options = security.client_options()
        self._consumer: AIOKafkaConsumer | None = None
        self._admin: AIOKafkaAdminClient | None = None

    async def _clients(self) -> tuple[AIOKafkaConsumer, AIOKafkaAdminClient]:
        # aiokafka binds the running loop on construction: build here, not in __init__
        if self._consumer is None or self._admin is None:
            self._consumer = AIOKafkaConsumer(
                bootstrap_servers=self._bootstrap, enable_auto_commit=False, **self._options
            )
            await self._consumer.start()
            self._admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, **self._options)
            await self._admin.start()
        return self._consumer, self._admin

    async def measure(self) -> dict[str, int]:
        consumer, admin = await self._clients()
        out: dict[str, int] = {}
        for name, group in self._groups.items():
            topic = self._prefix + name
            partitions = consumer.partitions_for_topic(topic)
            if not partitions:
                await consumer.topics()  # refresh metadata; measured next round
                continue
            tps = [TopicPartition(topic, p) for p in sorted(partitions)]
            ends = await consumer.end_offsets(tps)
            offsets = await admin.list_consumer_group_offsets(self._prefix + group, partitions=tps)
            committed = {tp: meta.offset for tp, meta in offsets.items() if meta.offset >= 0}
            out[name] = lag(ends, committed)
            self._metrics.consumer_lag.labels(name).set(out[name])
        return out

    async def close(self) -> None:
        if self._consumer is not None:
            await self._consumer.stop()
        if self._admin is not None:
            await self._admin.close()
        self._consumer = self._admin = None
