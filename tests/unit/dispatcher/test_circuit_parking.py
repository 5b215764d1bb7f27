"""An open circuit with no route left parks the send instead of failing it (issue 16):
it waits until the circuit half-opens, or until the push expires."""

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from herald.dispatcher.domain.consent import ConsentRow
from herald.dispatcher.providers.base import Attempt, Blame, Message, Result
from tests.unit.dispatcher.builders import send
from tests.unit.dispatcher.fakes import T0, ScriptedProvider
from tests.unit.dispatcher.harness import Harness


def opened(h: Harness, name: str) -> None:
    h.breaker(name).failure()
    h.breaker(name).failure()  # the harness's threshold is 2
    assert h.breaker(name).state == 1


async def test_an_open_breaker_on_the_only_route_parks_the_send_until_it_half_opens() -> None:
    gw = ScriptedProvider("gw")
    h = Harness({"sms": [gw]})
    opened(h, "gw")
    await h.dispatcher.dispatch([send(f"d-{i}") for i in range(3)])
    assert h.outcomes() == []  # none failed "circuit open"
    assert gw.sent == []
    assert {p.not_before for p in h.ledger.parked.values()} == {T0 + timedelta(seconds=30)}
    assert {p.progress.attempt for p in h.ledger.parked.values()} == {0}
    h.clock.advance(30)
    await h.retry_due()  # one probe goes; the others wait for its answer
    await h.retry_due()  # nothing due yet: the probe closed the breaker, the rest wait ~1 s
    h.clock.advance(1)
    await h.retry_due()
    assert sorted(o["outcome"] for o in h.outcomes()) == ["sent"] * 3
    assert h.ledger.parked == {}


async def test_a_send_parked_on_an_open_breaker_ends_expired_when_its_push_expires() -> None:
    h = Harness({"sms": [ScriptedProvider("gw")]})
    opened(h, "gw")
    await h.dispatcher.dispatch([send(expires_at=(T0 + timedelta(seconds=10)).isoformat())])
    [parked] = h.ledger.parked.values()
    assert parked.not_before == T0 + timedelta(seconds=10)
    h.clock.advance(10)
    await h.retry_due()
    assert [o["outcome"] for o in h.outcomes()] == ["expired"]


async def test_an_open_breaker_with_a_route_left_still_fails_over_at_once() -> None:
    a, b = ScriptedProvider("gw-a"), ScriptedProvider("gw-b")
    h = Harness({"sms": [a, b]})
    opened(h, "gw-a")
    await h.dispatcher.dispatch([send()])
    [o] = h.outcomes()
    assert (o["outcome"], o["provider"]) == ("sent", "gw-b")


async def test_a_channel_left_only_by_consent_does_not_count_as_a_route_left() -> None:
    sms, mail = ScriptedProvider("gw"), ScriptedProvider("smtp")
    h = Harness({"sms": [sms], "email": [mail]})
    opened(h, "gw")
    h.views.consents[("acme", "u-1")] = ConsentRow(True, {"email": False})
    await h.dispatcher.dispatch([send(channels=("sms", "email"))])
    assert h.outcomes() == []
    assert len(h.ledger.parked) == 1
    assert mail.sent == []


async def test_a_receivers_open_circuit_parks_without_counting_an_attempt() -> None:
    skipped = Attempt(
        Result.RETRYABLE, "hooks", "receiver failing", 20.0, blame=Blame.SEND, skipped=True
    )
    hooks = ScriptedProvider("hooks", [skipped, skipped, skipped, skipped, Result.DELIVERED])
    h = Harness({"webhook": [hooks]}, max_attempts=3)
    await h.dispatcher.dispatch([send(channels=("webhook",))])
    for _ in range(4):  # more skips than max_attempts: none of them is an attempt
        [parked] = h.ledger.parked.values()
        assert parked.progress.attempt == 0
        assert parked.not_before == h.clock() + timedelta(seconds=20)
        h.clock.advance(20)
        await h.retry_due()
    assert [o["outcome"] for o in h.outcomes()] == ["delivered"]
    assert h.breaker("hooks").state == 0


@dataclass
class Hanging(ScriptedProvider):
    """A tenant's receiver that never answers within the deadline."""

    timeout_blame: Blame = Blame.SEND

    async def send(self, message: Message) -> Attempt:
        self.sent.append(message)
        await asyncio.Event().wait()
        raise AssertionError


async def test_a_receiver_that_outlasts_the_deadline_never_opens_the_shared_breaker() -> None:
    hooks = Hanging("hooks")
    h = Harness({"webhook": [hooks]}, max_attempts=1)
    for route in (r for t in h.registry._routes.values() for rs in t.values() for r in rs):
        object.__setattr__(route, "timeout_s", 0.01)
    await h.dispatcher.dispatch([send(f"d-{i}", channels=("webhook",)) for i in range(4)])
    assert h.breaker("hooks").state == 0
    assert len(hooks.sent) == 4
