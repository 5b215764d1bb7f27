"""Intake's ports: its storage, and the advisers a dry run asks. Adapters implement them
(`adapters.postgres`, `adapters.advisers`); unit tests hand in fakes."""

from collections.abc import Sequence
from typing import Any, Protocol

from herald.contracts import PushRequest, Status
from herald.contracts.internal import Standing, StandingChanged
from herald.intake.domain import RequestRecord


class RequestRepository(Protocol):
    """The durable dedupe record of every request, and requester standing."""

    async def claim(self, record: RequestRecord) -> RequestRecord | None:
        """Insert; None if this call created it, else the record already there."""

    async def mark_emitted(self, tenant: str, request_id: str, status: Status) -> None: ...

    async def get(self, tenant: str, request_id: str) -> RequestRecord | None: ...

    async def apply_statuses(self, statuses: Sequence[Status]) -> None: ...

    async def standing(
        self, tenant: str, requester: str, department: str
    ) -> tuple[Standing, Standing]: ...

    async def set_standing(self, changes: Sequence[StandingChanged]) -> None: ...


class AdviserUnavailable(Exception):  # noqa: N818 - a state, not a failure of ours
    """The adviser could not be reached, timed out, or failed (5xx)."""

    def __init__(self, name: str, why: str) -> None:
        super().__init__(f"{name}: {why}")
        self.name = name
        self.why = why


class AdviserRefused(Exception):  # noqa: N818
    """The adviser answered 4xx (e.g. it does not know the caller's key)."""

    def __init__(self, name: str, status: int, problem: dict[str, Any]) -> None:
        super().__init__(f"{name} answered {status}")
        self.name = name
        self.status = status
        self.problem = problem


class Adviser(Protocol):
    """Review or the scheduler, asked what they would do with a request."""

    name: str

    async def advise(
        self, request: PushRequest, authorization: str, trace_id: str
    ) -> dict[str, Any]:
        """What this service would do with the request; raises AdviserUnavailable or
        AdviserRefused."""
