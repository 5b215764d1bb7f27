"""The whole stack as processes, started once per test session (e2e and CLI tests).

The root conftest registers `stack` and `sink`; tests import `client` and `topic`.
"""

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest

from herald.devstack.ports import free_port
from herald.devstack.stack import SERVICE_PORTS, Stack
from herald.runtime.topics import ensure_topics
from tests.support.signing import credential, stack_env
from tests.support.sink import HttpSink


@pytest.fixture(scope="session")
async def stack(
    kafka: str, pg_admin_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Stack]:
    state = tmp_path_factory.mktemp("herald-state")
    logs = tmp_path_factory.mktemp("herald-logs")
    s = Stack(
        state_dir=state,
        ports={name: free_port() for name in SERVICE_PORTS},
        log_dir=logs,
        database_name=f"e2e_{uuid.uuid4().hex[:8]}",
        topic_prefix=f"e2e{uuid.uuid4().hex[:6]}.",
        # the portal on, over plain http (the browser tests reach it on 127.0.0.1)
        extra_env=stack_env()
        | {
            "PORTAL_SESSION_SECRET": uuid.uuid4().hex * 2,
            "PORTAL_COOKIE_SECURE": "false",
            "PORTAL_REFRESH_S": "2",
        },
        producer=credential("acme"),
    )
    s.bootstrap = kafka
    await ensure_topics(kafka, prefix=s.topic_prefix)
    from herald.devstack.keys import ensure_dev_keys
    from herald.devstack.postgres import create_database

    s.database_url = await create_database(pg_admin_url, s.database_name)
    s.keys = ensure_dev_keys(state, s.tenant)
    try:
        await s.start_services()
        yield s
    finally:
        await s.stop()
        print(f"service logs: {logs}")


@pytest.fixture(scope="session")
async def sink() -> AsyncIterator[HttpSink]:
    server = await HttpSink().start()
    try:
        yield server
    finally:
        await server.stop()


def client(stack: Stack, service: str, role: str = "submitter") -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=f"http://127.0.0.1:{stack.ports[service]}",
        headers={"authorization": f"Bearer {stack.keys[role]}"},
        timeout=10,
    )


def add_key(
    stack: Stack,
    name: str,
    role: str,
    user: str,
    department: str | None,
    *,
    tenant: str | None = None,
) -> str:
    """A further API key (a person of their own, e.g. another department's submitter),
    of the stack's tenant unless told; the services see it at their next request."""
    from tests.support.keys import add_key as add_to_file

    tenant = tenant or stack.tenant
    key = f"hk_{tenant}_{name}_{uuid.uuid4().hex}"
    path = stack.state_dir / "api-keys.json"
    stack.keys[name] = add_to_file(path, f"{tenant}-{name}", key, tenant, role, user, department)
    return key


def topic(stack: Stack, name: str) -> str:
    return stack.topic_prefix + name


async def directory_has(stack: Stack, *recipient_ids: str) -> None:
    """Wait until the scheduler's directory holds these recipients (it consumes
    push.recipients.v1 on its own clock; a request planned earlier would find nobody)."""
    import asyncpg

    from tests.support.waiting import eventually

    async def known() -> bool:
        conn = await asyncpg.connect(stack.database_url)
        try:
            n = await conn.fetchval(
                "SELECT count(*) FROM scheduler.recipients WHERE recipient_id = ANY($1::text[])",
                list(recipient_ids),
            )
        finally:
            await conn.close()
        return bool(n == len(recipient_ids))

    await eventually(known, timeout=60, what="recipients in the scheduler's directory")
