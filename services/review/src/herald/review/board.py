"""The violations board's service: the window of the strike ladder, the live policy and
the repository; what one caller sees is the domain's (`herald.review.domain.board`)."""

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from herald.review.domain.board import NotShownError, shown, visible
from herald.review.policy import Policy
from herald.review.ports import BoardRepository
from herald.review.violations_policy import ViolationsPolicy
from herald.runtime.auth import Principal
from herald.runtime.clock import Clock


class Board:
    def __init__(self, repo: BoardRepository, policy: Callable[[], Policy], clock: Clock) -> None:
        self._repo, self._policy, self._clock = repo, policy, clock

    def policy(self) -> ViolationsPolicy:
        return self._policy().violations

    async def listing(self, who: Principal) -> dict[str, Any]:
        """The board for this caller; NotShownError if the policy shows it none."""
        policy = self._policy()
        if not visible(policy.violations, who):
            raise NotShownError(", ".join(map(str, policy.violations.visible_to)) or "nobody")
        window = policy.strikes.window_days
        entries = await self._repo.board(who.tenant, self._clock() - timedelta(days=window))
        return {"window_days": window, "violations": shown(entries, who, policy.violations)}
