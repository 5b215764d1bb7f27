"""Consumers on a push's path ask the broker often; the others, which nobody waits on,
seldom; consumers of the topics that carry whole requests fetch records that large."""

from herald.contracts import Topic
from herald.runtime.fetching import PUSH_PATH, WHOLE_REQUESTS, waits_for
from herald.runtime.settings import ServiceSettings

SETTINGS = ServiceSettings(
    database_url="postgresql://x@localhost/x",
    tenants="acme",
    record_keys="k1:" + "s" * 32,
    kafka_fetch_max_wait_ms=25,
    kafka_batch_timeout_ms=5,
    kafka_background_fetch_max_wait_ms=500,
    kafka_background_batch_timeout_ms=200,
)


def test_every_topic_a_push_travels_gets_the_short_waits() -> None:
    for topic in (Topic.REQUESTS, Topic.ACCEPTED, Topic.APPROVED, Topic.SENDS, Topic.OUTCOMES):
        waits = waits_for(topic, SETTINGS)
        assert (waits.fetch_max_wait_ms, waits.batch_timeout_ms) == (25, 5)


def test_directory_and_engagement_consumers_keep_the_long_waits() -> None:
    for topic in set(Topic) - PUSH_PATH - {Topic.DLQ}:
        waits = waits_for(topic, SETTINGS)
        assert (waits.fetch_max_wait_ms, waits.batch_timeout_ms) == (500, 200), topic


def test_a_request_of_100000_ids_fits_what_its_consumers_fetch_and_producers_send() -> None:
    largest = 100_000 * (128 + 3) + 64 * 1024  # ids quoted, comma-separated; the rest
    assert SETTINGS.kafka_max_request_bytes >= largest
    for topic in WHOLE_REQUESTS:
        assert waits_for(topic, SETTINGS).max_partition_fetch_bytes >= largest
    assert waits_for(Topic.SENDS, SETTINGS).max_partition_fetch_bytes < largest


def test_a_consumer_nobody_waits_on_keeps_the_long_waits_on_a_push_s_path() -> None:
    waits = waits_for(Topic.OUTCOMES, SETTINGS, background=True)
    assert (waits.fetch_max_wait_ms, waits.batch_timeout_ms) == (500, 200)
