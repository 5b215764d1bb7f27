"""Moving a send's cap usage to the channel it really used (pure)."""

from datetime import UTC, date, datetime
from typing import cast

from herald.contracts import Channel
from herald.contracts.internal import Outcome, OutcomeKind
from herald.scheduler.domain.caps import Usage
from herald.scheduler.domain.policy import CapRule, Caps, Policies, TenantPolicy
from herald.scheduler.domain.recount import Counted, moved, used_channels
from herald.scheduler.recounting import CapLedger, Recounter

DAY = date(2026, 11, 27)
AT = datetime(2026, 11, 27, 4, tzinfo=UTC)
CAPS = Caps.model_validate({"channels": {"app_push": {"per_day": 2}, "sms": {"per_day": 1}}})
SENT = Counted("d-1", "acme", "u-1", "app_push", DAY, AT)


def outcome(did: str, kind: OutcomeKind, channel: Channel | None) -> Outcome:
    return Outcome(
        delivery_id=did,
        request_id="r",
        tenant="acme",
        department="m",
        recipient_id="u",
        outcome=kind,
        channel=channel,
        at=AT,
    )


def test_a_fallback_moves_one_send_from_the_planned_to_the_used_channel() -> None:
    usage = {"app_push": Usage(DAY, 2, AT)}
    assert moved(CAPS, usage, SENT, "sms") == {
        "app_push": Usage(DAY, 1, AT),
        "sms": Usage(DAY, 1, AT),
    }


def test_the_planned_channel_used_moves_nothing() -> None:
    assert moved(CAPS, {"app_push": Usage(DAY, 1, AT)}, SENT, "app_push") == {}


def test_a_new_day_already_counted_is_not_decremented() -> None:
    later = Usage(date(2026, 11, 28), 1, AT)
    assert moved(CAPS, {"app_push": later, "sms": later}, SENT, "sms") == {
        "sms": Usage(date(2026, 11, 28), 1, AT)
    }


def test_an_uncapped_used_channel_only_frees_the_planned_one() -> None:
    assert moved(CAPS, {"app_push": Usage(DAY, 1, AT)}, SENT, "email") == {
        "app_push": Usage(DAY, 0, AT)
    }


def test_only_outcomes_that_reached_a_channel_count_and_the_last_wins() -> None:
    found = used_channels(
        [
            outcome("d-1", OutcomeKind.SENT, Channel.APP_PUSH),
            outcome("d-1", OutcomeKind.DELIVERED, Channel.SMS),
            outcome("d-2", OutcomeKind.FAILED, Channel.SMS),
            outcome("d-3", OutcomeKind.SUPPRESSED, None),
        ]
    )
    assert found == {"d-1": "sms"}


def test_only_tenants_with_per_channel_caps_have_outcomes_to_recount() -> None:
    policies = Policies(
        default=TenantPolicy(caps=Caps(all=CapRule(per_day=3))),  # `*` never moves
        tenants={"globex": TenantPolicy(caps=CAPS)},
    )
    recounter = Recounter(cast(CapLedger, None), policies)
    assert [recounter.recounts(t) for t in ("acme", "globex")] == [False, True]
