"""Filing over HTTP: the one path a request takes from a holder of an API key, whether it
comes as JSON (`POST /v1/requests`) or from the portal's form.

Validation (`domain.parse_request`), the tenant check and the identity rule (the
requester is the key's holder: herald.runtime.identity) come first, in that order, then
`Intake.submit` or a dry run; whatever fails raises the Problem the JSON API answers,
which the portal shows on its form instead.
"""

import uuid
from collections.abc import Callable

from herald.contracts import PushRequest, ReasonCode
from herald.contracts.internal import Submitter
from herald.intake.domain import Invalid, Limits
from herald.intake.dry_run import DryRun, DryRunAnswer
from herald.intake.metrics import IntakeMetrics
from herald.intake.submission import Intake, Submitted
from herald.intake.templates.resolving import Resolver, parse_submission
from herald.runtime.auth import Principal, submits_for_own_tenant
from herald.runtime.identity import requester_is_caller
from herald.runtime.problems import Problem


class Filing:
    # deliberate declaration: the dependencies main injects, one named parameter each
    def __init__(
        self,
        intake: Intake,
        dry_runs: DryRun,
        metrics: IntakeMetrics,
        limits: Callable[[], Limits],
        templates: Resolver | None = None,
    ) -> None:
        self._intake, self._dry_runs, self._metrics, self._limits = (
            intake, dry_runs, metrics, limits,
        )  # fmt: skip
        self._templates = templates

    async def check(self, raw: bytes, who: Principal) -> tuple[PushRequest, Submitter]:
        """The request (a named template resolved for the caller's tenant) and its
        submitter (the caller), or the Problem to answer (413/422 invalid, 403 another
        tenant's or another person's)."""
        parsed = await parse_submission(raw, self._limits(), self._templates, who.tenant)
        if isinstance(parsed, Invalid):
            raise invalid_problem(parsed)
        submits_for_own_tenant(who, parsed.tenant)
        return parsed, requester_is_caller(who, parsed)

    async def submit(self, raw: bytes, who: Principal, trace_id: str) -> Submitted:
        m = self._metrics
        m.size.observe(len(raw))
        with m.latency.time():
            try:
                parsed, submitter = await self.check(raw, who)
            except Problem as problem:
                if problem.code == ReasonCode.INVALID_REQUEST:
                    m.invalid.labels(ReasonCode.INVALID_REQUEST).inc()
                    m.received.labels("http", m.tenant(who.tenant), "invalid").inc()
                raise
            return await self._intake.submit(parsed, submitter, f"http:{uuid.uuid4()}", trace_id)

    async def rehearse(
        self, raw: bytes, who: Principal, authorization: str, trace_id: str
    ) -> DryRunAnswer:
        """What would happen; raises a Problem as `check`, or the dry run's own
        AdvisersUnavailable / AdviserRefused."""
        parsed, submitter = await self.check(raw, who)
        return await self._dry_runs.run(parsed, submitter, authorization, trace_id)


def invalid_problem(parsed: Invalid) -> Problem:
    errors = [{"field": e.field, "message": e.message} for e in parsed.errors]
    status = 413 if parsed.too_large else 422
    return Problem(
        status, ReasonCode.INVALID_REQUEST, "Invalid request", parsed.message, errors=errors
    )
