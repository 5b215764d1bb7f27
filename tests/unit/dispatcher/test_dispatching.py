"""Retries, failover, breakers, cancels, consent and idempotency, with fakes and a fake clock."""

import asyncio

from herald.contracts import Topic
from herald.dispatcher.domain.consent import ConsentRow
from herald.dispatcher.providers.base import Attempt, Blame, Result
from tests.unit.dispatcher.builders import send
from tests.unit.dispatcher.fakes import ScriptedProvider
from tests.unit.dispatcher.harness import Harness


async def test_sent_send_reports_one_sent_outcome_with_channel_and_provider() -> None:
    sms = ScriptedProvider("gw")
    h = Harness({"sms": [sms]})
    await h.dispatcher.dispatch([send()])
    [o] = h.outcomes()
    assert (o["outcome"], o["channel"], o["provider"]) == ("sent", "sms", "gw")
    assert len(sms.sent) == 1


async def test_redelivered_send_with_recorded_outcome_is_not_sent_twice() -> None:
    sms = ScriptedProvider("gw")
    h = Harness({"sms": [sms]})
    await h.dispatcher.dispatch([send(), send()])
    await h.dispatcher.dispatch([send()])
    assert len(sms.sent) == 1
    assert [o["outcome"] for o in h.outcomes()] == ["sent", "sent"]  # republished, not resent


async def test_retryable_error_parks_the_send_with_backoff_and_retries_it_later() -> None:
    sms = ScriptedProvider("gw", [Result.RETRYABLE, Result.SENT])
    h = Harness({"sms": [sms]})
    await h.dispatcher.dispatch([send()])
    assert h.outcomes() == []
    parked = h.ledger.parked["d-1"]
    assert parked.progress.attempt == 1
    assert 0.5 <= (parked.not_before - h.clock()).total_seconds() <= 1.0
    await h.retry_due()
    assert len(sms.sent) == 1  # not due yet
    h.clock.advance(1.0)
    await h.retry_due()
    assert [o["outcome"] for o in h.outcomes()] == ["sent"]
    assert "d-1" not in h.ledger.parked


async def test_retry_after_is_honoured() -> None:
    slow_down = Attempt(Result.RETRYABLE, "gw", "HTTP 429", retry_after=30)
    h = Harness({"sms": [ScriptedProvider("gw", [slow_down, Result.SENT])]})
    await h.dispatcher.dispatch([send()])
    assert (h.ledger.parked["d-1"].not_before - h.clock()).total_seconds() == 30


async def test_a_send_parked_for_retry_is_left_to_the_retry_loop_when_redelivered() -> None:
    sms = ScriptedProvider("gw", [Result.RETRYABLE, Result.SENT])
    h = Harness({"sms": [sms]})
    await h.dispatcher.dispatch([send()])
    await h.dispatcher.dispatch([send()])
    assert len(sms.sent) == 1


async def test_permanent_error_is_not_retried_and_fails_with_the_evidence() -> None:
    sms = ScriptedProvider("gw", [Attempt(Result.PERMANENT, "gw", "HTTP 400 bad number")])
    h = Harness({"sms": [sms]})
    await h.dispatcher.dispatch([send()])
    [o] = h.outcomes()
    assert (o["outcome"], o["reason"]) == ("failed", "provider_failed")
    assert "sms/gw: HTTP 400 bad number" in o["detail"]
    assert len(sms.sent) == 1
    assert not h.ledger.parked


async def test_after_the_last_attempt_the_next_provider_of_the_channel_takes_over() -> None:
    first = ScriptedProvider("gw-a", [Result.RETRYABLE])
    second = ScriptedProvider("gw-b")
    h = Harness({"sms": [first, second]}, max_attempts=2)
    await h.dispatcher.dispatch([send()])
    h.clock.advance(60)
    await h.retry_due()
    [o] = h.outcomes()
    assert (o["outcome"], o["provider"]) == ("sent", "gw-b")
    assert len(first.sent) == 2


async def test_when_every_provider_of_a_channel_fails_the_next_allowed_channel_is_used() -> None:
    sms = ScriptedProvider("gw", [Result.PERMANENT])
    mail = ScriptedProvider("smtp")
    h = Harness({"sms": [sms], "email": [mail]})
    await h.dispatcher.dispatch([send(channels=("sms", "email"))])
    [o] = h.outcomes()
    assert (o["outcome"], o["channel"], o["provider"]) == ("sent", "email", "smtp")


async def test_all_routes_failing_ends_failed_provider_failed_listing_each_route() -> None:
    h = Harness(
        {
            "sms": [ScriptedProvider("gw", [Result.PERMANENT])],
            "email": [ScriptedProvider("smtp", [Result.PERMANENT])],
        }
    )
    await h.dispatcher.dispatch([send(channels=("sms", "email"))])
    [o] = h.outcomes()
    assert o["reason"] == "provider_failed"
    assert "sms/gw" in o["detail"]
    assert "email/smtp" in o["detail"]


async def test_breaker_opens_after_failures_skips_the_provider_then_half_opens() -> None:
    flaky = ScriptedProvider("gw-a", [Result.RETRYABLE])
    backup = ScriptedProvider("gw-b")
    h = Harness({"sms": [flaky, backup]}, max_attempts=1)
    await h.dispatcher.dispatch([send("d-1"), send("d-2")])  # two failures: threshold 2
    assert h.breaker("gw-a").state == 1
    await h.dispatcher.dispatch([send("d-3")])
    assert len(flaky.sent) == 2  # skipped while open
    assert "circuit open" not in h.outcomes()[-1]["detail"]
    assert h.outcomes()[-1]["provider"] == "gw-b"
    h.clock.advance(30)
    assert h.breaker("gw-a").state == 2  # half-open: one probe goes through
    flaky.script[:] = [Result.SENT]
    await h.dispatcher.dispatch([send("d-4")])
    assert h.outcomes()[-1]["provider"] == "gw-a"
    assert h.breaker("gw-a").state == 0


async def test_a_tenants_own_failing_target_never_opens_the_shared_breaker() -> None:
    """A dead webhook receiver or a refused mailbox is the send's problem (Blame.SEND):
    however often it happens, every other tenant's sends still go through the provider."""
    theirs = Attempt(Result.RETRYABLE, "hooks", "HTTP 503", blame=Blame.SEND)
    hooks = ScriptedProvider("hooks", [theirs])
    h = Harness({"webhook": [hooks]}, max_attempts=1)
    await h.dispatcher.dispatch([send(f"d-{i}", channels=("webhook",)) for i in range(6)])
    assert h.breaker("hooks").state == 0
    hooks.script[:] = [Result.SENT]
    await h.dispatcher.dispatch([send("d-ok", channels=("webhook",))])
    assert h.outcomes()[-1]["outcome"] == "sent"


async def test_a_failed_half_open_probe_opens_the_breaker_again() -> None:
    flaky = ScriptedProvider("gw-a", [Result.RETRYABLE])
    h = Harness({"sms": [flaky, ScriptedProvider("gw-b")]}, max_attempts=1)
    await h.dispatcher.dispatch([send("d-1"), send("d-2")])
    h.clock.advance(30)
    await h.dispatcher.dispatch([send("d-3")])
    assert len(flaky.sent) == 3
    assert h.breaker("gw-a").state == 1


async def test_cancelled_request_ends_cancelled_instead_of_being_sent() -> None:
    sms = ScriptedProvider("gw")
    h = Harness({"sms": [sms]})
    h.views.cancels.add(("acme", "r-1"))
    await h.dispatcher.dispatch([send()])
    assert [o["outcome"] for o in h.outcomes()] == ["cancelled"]
    assert sms.sent == []


async def test_cancel_arriving_while_a_send_waits_for_retry_cancels_it() -> None:
    sms = ScriptedProvider("gw", [Result.RETRYABLE, Result.SENT])
    h = Harness({"sms": [sms]})
    await h.dispatcher.dispatch([send()])
    h.views.cancels.add(("acme", "r-1"))
    h.clock.advance(60)
    await h.retry_due()
    assert [o["outcome"] for o in h.outcomes()] == ["cancelled"]


async def test_expired_send_is_not_sent() -> None:
    sms = ScriptedProvider("gw")
    h = Harness({"sms": [sms]})
    await h.dispatcher.dispatch([send(expires_at="2026-11-27T11:00:00+00:00")])
    [o] = h.outcomes()
    assert (o["outcome"], o["reason"]) == ("expired", "expired")
    assert sms.sent == []


async def test_consent_withdrawn_since_scheduling_suppresses_or_skips_the_channel() -> None:
    sms, mail = ScriptedProvider("gw"), ScriptedProvider("smtp")
    h = Harness({"sms": [sms], "email": [mail]})
    h.views.consents[("acme", "u-1")] = ConsentRow(marketing=True, channels={"sms": False})
    await h.dispatcher.dispatch([send(channels=("sms", "email"))])
    assert h.outcomes()[-1]["channel"] == "email"
    assert sms.sent == []
    await h.dispatcher.dispatch([send("d-2", channels=("sms",))])
    assert (h.outcomes()[-1]["outcome"], h.outcomes()[-1]["reason"]) == ("suppressed", "opted_out")


async def test_marketing_send_to_someone_who_withdrew_marketing_consent_is_suppressed() -> None:
    h = Harness({"sms": [ScriptedProvider("gw")]})
    h.views.consents[("acme", "u-1")] = ConsentRow(marketing=False, channels={})
    await h.dispatcher.dispatch([send(category="marketing")])
    assert h.outcomes()[-1]["reason"] == "opted_out"


async def test_another_tenants_consent_for_the_same_recipient_id_does_not_count() -> None:
    h = Harness({"sms": [ScriptedProvider("gw")]})
    h.views.consents[("globex", "u-1")] = ConsentRow(marketing=False, channels={}, erased=True)
    await h.dispatcher.dispatch([send(category="marketing")])
    assert h.outcomes()[-1]["outcome"] == "sent"


async def test_dead_push_token_publishes_contact_invalidated_and_fails_over() -> None:
    dead = Attempt(Result.PERMANENT, "fcm", "HTTP 404 UNREGISTERED", dead_contacts=("tok-1",))
    h = Harness({"app_push": [ScriptedProvider("fcm", [dead])], "sms": [ScriptedProvider("gw")]})
    await h.dispatcher.dispatch([send(channels=("app_push", "sms"))])
    [event] = [p.json() for p in h.events.on(Topic.CONTACTS)]
    assert event == event | {
        "tenant": "acme",
        "recipient_id": "u-1",
        "channel": "app_push",
        "contact": "tok-1",
    }
    assert h.outcomes()[-1]["channel"] == "sms"


async def test_template_escape_is_refused_as_a_permanent_failure() -> None:
    sms = ScriptedProvider("gw")
    h = Harness({"sms": [sms]})
    evil = {"title": "t", "body": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}
    await h.dispatcher.dispatch([send(content=evil)])
    [o] = h.outcomes()
    assert (o["outcome"], o["reason"]) == ("failed", "invalid_request")
    assert "not a valid template" in o["detail"]
    assert sms.sent == []


async def test_a_slow_provider_does_not_hold_the_batch_past_its_deadline() -> None:
    slow = ScriptedProvider("slow", gate=asyncio.Event())
    fast = ScriptedProvider("fast")
    h = Harness({"sms": [slow], "email": [fast]}, deadline_s=0.05)
    await h.dispatcher.dispatch([send("d-1", channels=("sms",)), send("d-2", channels=("email",))])
    assert [o["delivery_id"] for o in h.outcomes()] == ["d-2"]
    assert "d-1" in h.ledger.parked  # hidden from redelivery while it finishes
    assert slow.gate is not None
    slow.gate.set()
    await asyncio.wait_for(h.dispatcher.close(), 5)
    assert {o["delivery_id"] for o in h.outcomes()} == {"d-1", "d-2"}
    assert "d-1" not in h.ledger.parked


async def test_exhausted_concurrency_defers_the_send_instead_of_waiting() -> None:
    slow = ScriptedProvider("gw", gate=asyncio.Event())
    h = Harness({"sms": [slow]}, concurrency=1, gate_wait_s=0.01, deadline_s=0.2)
    await h.dispatcher.dispatch([send("d-1"), send("d-2")])
    assert slow.gate is not None
    assert len(slow.sent) == 1
    later = dict(h.ledger.parked.items())
    assert set(later) == {"d-1", "d-2"}
    slow.gate.set()
    await h.dispatcher.close()
    h.clock.advance(1.0)
    await h.retry_due()
    assert sorted(o["delivery_id"] for o in h.outcomes()) == ["d-1", "d-2"]


async def test_a_provider_out_of_rate_tokens_defers_the_send_without_counting_an_attempt() -> None:
    sms = ScriptedProvider("gw")
    h = Harness({"sms": [sms]}, rate=1.0, gate_wait_s=0.01)
    await h.dispatcher.dispatch([send("d-1"), send("d-2")])
    assert len(sms.sent) == 1
    [(waiting, later)] = h.ledger.parked.items()
    assert later.progress.attempt == 0
    metrics = h.metrics.retries.labels("gw", "rate_limited")._value.get()
    assert metrics == 1
    assert waiting in {"d-1", "d-2"}


async def test_an_outage_while_recording_waits_and_records_without_sending_again() -> None:
    """Postgres away after the provider call: the send was made, so the batch must not
    fail (its redelivery would make the call again); recording is retried instead."""
    sms = ScriptedProvider("gw")
    h = Harness({"sms": [sms]})
    finish, failures = h.ledger.finish, [ConnectionRefusedError("postgres restarting")] * 2

    async def flaky_finish(outcomes: object) -> None:
        if failures:
            raise failures.pop()
        await finish(outcomes)  # type: ignore[arg-type]

    h.ledger.finish = flaky_finish  # type: ignore[method-assign]
    await h.dispatcher.dispatch([send(), send("d-2")])
    assert len(sms.sent) == 2
    assert sorted(h.ledger.outcomes) == ["d-1", "d-2"]
    assert sorted(o["delivery_id"] for o in h.outcomes()) == ["d-1", "d-2"]


async def test_sends_finished_early_are_recorded_before_the_slow_ones_end() -> None:
    """A kill repeats only what is in flight: a batch's fast sends are on record while
    its slow one is still waiting for its provider."""
    release = asyncio.Event()

    class Slow(ScriptedProvider):
        async def send(self, message):  # type: ignore[no-untyped-def]
            if message.delivery_id == "slow":
                await release.wait()
            return await super().send(message)

    h = Harness({"sms": [Slow("gw")]})
    batch = asyncio.create_task(h.dispatcher.dispatch([send("fast-1"), send("slow")]))
    for _ in range(100):
        if "fast-1" in h.ledger.outcomes:
            break
        await asyncio.sleep(0.01)
    assert "fast-1" in h.ledger.outcomes and "slow" not in h.ledger.outcomes
    assert not batch.done()
    release.set()
    await batch
    assert sorted(h.ledger.outcomes) == ["fast-1", "slow"]
