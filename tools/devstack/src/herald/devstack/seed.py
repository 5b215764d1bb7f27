"""A small demo directory for `make run`, so the README's first request is delivered.

Three recipients of tenant `acme`, each reached on another of the README example's
channels. Locally the dispatcher has no provider credentials: app push and SMS go to
the `log` provider (the send shows in the dispatcher's log) and in-app messages to the
inbox (`GET /v1/inbox/u-1002` on the dispatcher). They are published the way an upstream
system publishes them: signed with the local producer credential of `acme`.
"""

import asyncio
import time
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer

from herald.contracts import Recipient, Topic
from herald.contracts.recipient import Consent, Contacts, PushToken
from herald.devstack.keys import ProducerCredential
from herald.runtime.provenance import RecordSigner

log = structlog.get_logger(__name__)

DEMO_TENANT = "acme"


def _demo(recipient_id: str, timezone: str, locale: str, **profile: Any) -> Recipient:
    """A demo recipient of DEMO_TENANT who agreed to marketing."""
    return Recipient(
        recipient_id=recipient_id,
        tenant=DEMO_TENANT,
        timezone=timezone,
        locale=locale,
        consent=Consent(marketing=True),
        **profile,
    )


# deliberate declaration: the demo directory, one recipient each, spelled out as data
DEMO_RECIPIENTS: tuple[Recipient, ...] = (
    _demo(
        "u-1001",
        "Asia/Shanghai",
        "zh-CN",
        contacts=Contacts(push_tokens=(PushToken(platform="fcm", token="demo-fcm-u-1001"),)),  # noqa: S106 - a fake device token
        tags=("vip", "beijing"),
        attributes={"name": "李雷", "city": "beijing", "tier": "gold"},
    ),
    _demo(
        "u-1002",
        "Asia/Shanghai",
        "zh-CN",
        tags=("vip", "shanghai"),
        attributes={"name": "韩梅梅", "city": "shanghai", "tier": "silver"},
    ),
    _demo(
        "u-1003",
        "Europe/Berlin",
        "en-GB",
        contacts=Contacts(phone="+8613800000003"),
        tags=("vip",),
        attributes={"name": "Jim", "city": "berlin", "tier": "gold"},
    ),
)
DEMO_ROUTES = {
    "u-1001": "app push -> log",
    "u-1002": "in-app -> inbox",
    "u-1003": "SMS -> log",
}
"""How each is reached by the README example under `make run`'s providers."""


async def publish_demo_recipients(
    bootstrap: str, credential: ProducerCredential, topic_prefix: str = ""
) -> None:
    """Publish them on push.recipients.v1 (keyed by recipient id: a rerun replaces them)."""
    signer = RecordSigner.from_text(credential.id, credential.secret)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        sent = []
        for r in DEMO_RECIPIENTS:
            key, value = r.recipient_id.encode(), r.model_dump_json(exclude_none=True).encode()
            headers = signer.headers(Topic.RECIPIENTS, key, value)
            topic = topic_prefix + Topic.RECIPIENTS
            sent.append(await producer.send(topic, value, key=key, headers=headers))
        await asyncio.gather(*sent)
    finally:
        await producer.stop()


async def directory_holds(database_url: str, ids: list[str]) -> bool:
    """Whether the scheduler has stored them (it plans a request from its own copy)."""
    conn = await asyncpg.connect(database_url)
    try:
        found = await conn.fetchval(
            """SELECT count(*) FROM scheduler.recipients
               WHERE tenant = $1 AND recipient_id = ANY($2::text[])""",
            DEMO_TENANT,
            ids,
        )
    finally:
        await conn.close()
    return bool(found == len(ids))


async def seed_demo_directory(
    bootstrap: str,
    database_url: str,
    credential: ProducerCredential,
    topic_prefix: str = "",
    timeout: float = 60,
) -> bool:
    """Publish the demo recipients and wait until the scheduler knows them.

    False (and a warning) if it did not in time: the stack runs on regardless."""
    await publish_demo_recipients(bootstrap, credential, topic_prefix)
    ids = [r.recipient_id for r in DEMO_RECIPIENTS]
    deadline = time.monotonic() + timeout
    while not await directory_holds(database_url, ids):
        if time.monotonic() > deadline:
            log.warning("demo_directory_not_ready", recipients=ids, waited_s=timeout)
            return False
        await asyncio.sleep(0.2)
    log.info("demo_directory_ready", tenant=DEMO_TENANT, recipients=ids)
    return True
