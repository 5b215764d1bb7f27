"""heraldctl against the running stack: the session `stack` (and `sink`) of the e2e tests."""

from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest

from herald.devstack.stack import Stack
from tests.cli.cli import Run, cli_env, heraldctl
from tests.support.stack import add_key

Ctl = Callable[..., Awaitable[Run]]


@pytest.fixture
def ctl(stack: Stack, tmp_path: Path, uid: str) -> Ctl:
    """`await ctl("status", rid, role="viewer")`: heraldctl with that role's key. The
    submitter is the test's own person (`user-<uid>` of `dept-<uid>`, whom `push_request`
    names), so that strikes never touch other tests."""
    own = f"submitter-{uid}"
    add_key(stack, own, "submitter", f"user-{uid}", f"dept-{uid}")

    async def call(*args: str, role: str = "submitter", timeout: float = 60) -> Run:
        env = cli_env(stack, own if role == "submitter" else role, tmp_path)
        return await heraldctl(*args, env=env, cwd=tmp_path, timeout=timeout)

    return call
