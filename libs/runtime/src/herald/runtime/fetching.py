"""How long a consumer waits for records, by topic: short on a push's path, long elsewhere;
and how much it fetches at once.

Two waits decide how soon a consumer sees a record written to an idle partition:

- `fetch_max_wait_ms`, how long the broker may hold a fetch that found nothing. Apache
  Kafka answers a pending fetch as soon as data arrives, so there it costs no latency and
  only bounds how often an idle consumer asks (aiokafka's default, 500, is right). Some
  Kafka-compatible brokers never wake a pending fetch (Tansu, the local broker of
  `make run` and the tests): every hop then waits out part of it (measured: ~125 ms
  median per hop at 500, ~3 ms at 10; ../shared/notes/local-stack.md);
- `batch_timeout_ms`, how long the batch subscriber loop waits for records before it
  goes round again. FastStream's own loop then *slept* as long, and a record arriving
  meanwhile waited for it; Herald's does not (herald.runtime.batch_loop), so records are
  handed over as a fetch brings them and this only sets how often an idle loop wakes.

A short wait costs empty fetches (broker and client CPU) while idle, so only the topics a
single push travels get the short one (`PUSH_PATH`); the directory, engagement, standing
and dead-contact consumers, which nobody waits on, keep the long one.
"""

from dataclasses import dataclass

from herald.contracts import Topic
from herald.runtime.settings import ServiceSettings

PUSH_PATH: frozenset[Topic] = frozenset(
    {
        Topic.REQUESTS,
        Topic.ACCEPTED,
        Topic.APPROVED,
        Topic.SENDS,
        Topic.SENDS_CRITICAL,
        Topic.OUTCOMES,
        Topic.STATUS,
        Topic.CANCELS,
    }
)
"""Topics a push (or its cancellation) travels from submission to its last status."""

WHOLE_REQUESTS: frozenset[Topic] = frozenset({Topic.REQUESTS, Topic.ACCEPTED, Topic.APPROVED})
"""Topics whose records carry a whole request, up to 100,000 recipient ids (~13 MB): their
consumers fetch up to `kafka_max_request_bytes` per partition; the others, whose records
are small, fetch less (the memory a fetch may take is partitions x this)."""


@dataclass(frozen=True, slots=True)
class Waits:
    """What a consumer of one topic is built with."""

    fetch_max_wait_ms: int
    batch_timeout_ms: int
    max_partition_fetch_bytes: int


def waits_for(topic: Topic, settings: ServiceSettings, *, background: bool = False) -> Waits:
    """The waits and fetch size of a consumer of `topic` (see the module's doc);
    `background`: the long waits whatever the topic, for a consumer nobody waits on
    (the scheduler's cap recount reads push.outcomes.v1 beside the tracker, whose
    `completed` a user waits for)."""
    fetch_bytes = (
        settings.kafka_max_request_bytes
        if topic in WHOLE_REQUESTS
        else settings.kafka_max_partition_fetch_bytes
    )
    if topic in PUSH_PATH and not background:
        return Waits(settings.kafka_fetch_max_wait_ms, settings.kafka_batch_timeout_ms, fetch_bytes)
    return Waits(
        settings.kafka_background_fetch_max_wait_ms,
        settings.kafka_background_batch_timeout_ms,
        fetch_bytes,
    )
