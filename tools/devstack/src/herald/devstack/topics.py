"""`python -m herald.devstack.topics`: create Herald's topics on KAFKA_BOOTSTRAP_SERVERS."""

import asyncio
import os

import structlog

from herald.runtime.logging import configure_logging
from herald.runtime.topics import ensure_topics

if __name__ == "__main__":
    configure_logging("topics")
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    replication = int(os.environ.get("KAFKA_REPLICATION_FACTOR", "1"))
    created = asyncio.run(ensure_topics(bootstrap, replication_factor=replication))
    structlog.get_logger("topics").info("topics_created", topics=created)
