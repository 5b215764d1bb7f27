"""A consumer that uses some tenants' items only (`Unpacker.only`: the scheduler's cap
recount on push.outcomes.v1) gets the other tenants' batch records with no items, their
tenant still checked; everything else decodes as ever."""

import json
from datetime import UTC, datetime

import pytest

from herald.contracts import Topic
from herald.contracts.internal import Outcome, OutcomeKind
from herald.runtime.batches import OUTCOMES
from herald.runtime.consumer import Rejected
from herald.runtime.packing import Limits, pack_outcomes
from tests.unit.runtime.test_batches import record

AT = datetime(2026, 11, 27, 12, tzinfo=UTC)
ONLY_GLOBEX = OUTCOMES.only(lambda tenant: tenant == "globex")


def outcomes(tenant: str, n: int = 3) -> list[Outcome]:
    return [
        Outcome(
            delivery_id=f"d-{tenant}-{i}", request_id="r-1", tenant=tenant, department="mkt",
            recipient_id=f"u-{i}", outcome=OutcomeKind.SENT, at=AT, trace_id="t",
        )
        for i in range(n)
    ]  # fmt: skip


def packed(items: list[Outcome]) -> bytes:
    [(_key, value)] = pack_outcomes(items, Limits(shards=1))
    return value.raw


def test_a_wanted_tenants_batch_decodes_in_full() -> None:
    got = ONLY_GLOBEX(record(packed(outcomes("globex")), Topic.OUTCOMES))
    assert got.tenant == "globex"
    assert list(got.items) == outcomes("globex")


def test_another_tenants_batch_arrives_empty_with_its_tenant_to_check() -> None:
    raw = packed(outcomes("acme"))
    bad = raw.replace(b'"outcome":"sent"', b'"outcome":"pigeon"', 1)  # not even looked at
    for value in (raw, bad):
        got = ONLY_GLOBEX(record(value, Topic.OUTCOMES))
        assert (got.tenant, got.items, got.rejected) == ("acme", (), ())


def test_records_not_laid_out_as_herald_writes_them_decode_in_full() -> None:
    single = outcomes("acme", 1)[0].model_dump_json().encode()
    assert ONLY_GLOBEX(record(single, Topic.OUTCOMES)).items == tuple(outcomes("acme", 1))
    spaced = json.dumps(json.loads(packed(outcomes("acme")))).encode()  # ", " and ": "
    assert list(ONLY_GLOBEX(record(spaced, Topic.OUTCOMES)).items) == outcomes("acme")


def test_another_tenants_batch_with_a_bad_shared_part_is_still_refused_whole() -> None:
    raw = packed(outcomes("acme")).replace(b'"tenant":"acme"', b'"tenant":"not an id!"')
    with pytest.raises(Rejected, match="tenant"):
        ONLY_GLOBEX(record(raw, Topic.OUTCOMES))
