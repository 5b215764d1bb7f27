"""Outcomes the dispatcher builds without validation are the contract's, field for field."""

from herald.contracts import Channel, ReasonCode
from herald.contracts.internal import Outcome, OutcomeKind
from herald.dispatcher.domain.outcomes import outcome
from tests.unit.dispatcher.builders import T0, send


def test_an_outcome_built_in_place_equals_the_validated_one_and_reads_back() -> None:
    s = send("d-outcome-1", deferred=["quiet_hours_deferred"])
    made = outcome(
        s,
        OutcomeKind.FAILED,
        T0,
        channel=Channel.SMS,
        provider="log",
        reason=ReasonCode.PROVIDER_FAILED,
        detail="x" * 3000,
    )
    validated = Outcome.model_validate(made.model_dump())
    assert made == validated
    assert made.model_fields_set == validated.model_fields_set
    assert Outcome.model_validate_json(made.model_dump_json()) == validated
    assert len(made.detail) == 2000
    assert made.deferred == (ReasonCode.QUIET_HOURS_DEFERRED,)
