"""heraldctl against the running stack: the session `stack` (and `sink`) of the e2e tests."""

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from herald.devstack.stack import Stack
from tests.cli.cli import Run, cli_env, heraldctl

Ctl = Callable[..., Awaitable[Run]]


@pytest.fixture
def ctl(stack: Stack, tmp_path: Path) -> Ctl:
    """`await ctl("status", rid, role="viewer")`: heraldctl with that role's key."""

    async def call(*args: str, role: str = "submitter", timeout: float = 60) -> Run:
        env = cli_env(stack, role, tmp_path)
        return await heraldctl(*args, env=env, cwd=tmp_path, timeout=timeout)

    return call
