"""The scheduler's service layer on hand-written fakes of its ports and a settable clock."""

from datetime import UTC, datetime

from prometheus_client import CollectorRegistry

from herald.contracts import PushRequest, Recipient
from herald.runtime.loops import Wakeup
from herald.scheduler.cancelling import Canceller
from herald.scheduler.directory import Directory
from herald.scheduler.domain.model import Timer
from herald.scheduler.domain.policy import Policies
from herald.scheduler.dry_run import DryRun
from herald.scheduler.metrics import SchedulerMetrics
from herald.scheduler.planning import Planner
from herald.scheduler.releasing import Releaser
from tests.support.fakes import FakeEventBus
from tests.support.scheduler import Clock, Published, envelope
from tests.support.service import DELIVERY_ID_KEY
from tests.unit.scheduler.fake_reads import FakeAudience, FakeEngagement
from tests.unit.scheduler.fake_timers import FakeTimers
from tests.unit.scheduler.fakes import FakePlans, FakeRecipients, State

NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


class Scheduler(Published):
    def __init__(
        self,
        policies: Policies | None = None,
        *,
        batch: int = 1000,
        chunk: int = 2,
        sample: int = 50,
        events: FakeEventBus | None = None,
        poll_s: float = 0.01,
    ) -> None:
        policies = policies or Policies()
        self.clock = Clock(NOW)
        self.state = State()
        self.events = events or FakeEventBus()
        self.metrics = SchedulerMetrics(CollectorRegistry())
        self.plans, self.timers = FakePlans(self.state), FakeTimers(self.state)
        self.audience, self.engagement = FakeAudience(self.state), FakeEngagement(self.state)
        self.directory = Directory(FakeRecipients(self.state))
        bus, clock, m = self.events, self.clock, self.metrics
        self.timers_ready = Wakeup()
        self.planner = Planner(
            self.plans,
            self.audience,
            self.timers,
            self.engagement,
            bus,
            clock,
            policies,
            m,
            chunk,
            id_key=DELIVERY_ID_KEY.encode(),
            timers_ready=self.timers_ready.set,
        )
        self.canceller = Canceller(self.plans, bus, clock, m)
        self.releaser = Releaser(
            self.timers, self.plans, bus, clock, policies, m, batch, poll_s, 1, self.timers_ready
        )
        self.dry_run = DryRun(self.audience, self.engagement, policies, clock, chunk, sample)

    async def add(self, *recipients: Recipient) -> None:
        await self.directory.apply([(r.tenant, r.recipient_id, r) for r in recipients])

    async def plan(self, request: PushRequest) -> None:
        await self.planner.plan(envelope(request, self.clock()))

    async def release(self) -> int:
        """Release until nothing is due at the current (fake) time."""
        total = 0
        while n := await self.releaser.release_once():
            total += n
        return total

    def timer(self, recipient_id: str) -> Timer:
        [t] = [t for t in self.state.timers.values() if t.recipient_id == recipient_id]
        return t


def policies(**default: object) -> Policies:
    return Policies.model_validate({"default": default})
