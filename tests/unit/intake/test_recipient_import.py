"""Bulk import of recipients: streamed, checked per line, all-or-nothing or best-effort."""

import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

import pytest

from herald.contracts import Recipient
from herald.intake.recipients.importing import Format, Importer, ImportLimits, Mode
from herald.intake.recipients.lines import lines
from herald.intake.recipients.parsing import HeaderError


@dataclass
class FakePublisher:
    published: list[tuple[str, Recipient]] = field(default_factory=list)
    erased: list[tuple[str, str]] = field(default_factory=list)
    batches: list[int] = field(default_factory=list)

    async def upsert(self, tenant: str, recipients: Sequence[Recipient]) -> None:
        self.batches.append(len(recipients))
        self.published += [(tenant, r) for r in recipients]

    async def erase(self, tenant: str, recipient_id: str) -> None:
        self.erased.append((tenant, recipient_id))


async def body(text: str, chunk: int = 7) -> AsyncIterator[bytes]:
    raw = text.encode()
    for i in range(0, len(raw), chunk):  # lines split across chunks, as on the wire
        yield raw[i : i + chunk]


def ndjson(*rows: dict[str, object] | str) -> str:
    return "\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n"


GOOD = {"recipient_id": "u-1", "attributes": {"city": "北京"}, "consent": {"marketing": True}}


async def run(text: str, mode: Mode, fmt: Format = Format.NDJSON, batch: int = 2) -> tuple:
    pub = FakePublisher()
    report = await Importer(pub, ImportLimits(batch=batch, max_line=300)).run(
        "acme", body(text), fmt, mode
    )
    return pub, report.as_json()


async def test_all_or_nothing_publishes_nothing_when_a_line_is_bad() -> None:
    text = ndjson(GOOD, {"recipient_id": "u-2"}, "{not json", {"recipient_id": "u 3"}, GOOD)
    pub, report = await run(text, Mode.ALL_OR_NOTHING)
    assert pub.published == []
    assert (report["lines"], report["valid"], report["rejected"], report["published"]) == (
        5,
        3,
        2,
        0,
    )
    assert [e["line"] for e in report["errors"]] == [3, 4]
    assert report["errors"][1]["field"] == "recipient_id"


async def test_all_or_nothing_publishes_every_line_when_all_are_good() -> None:
    rows = [{"recipient_id": f"u-{i}", "tags": ["vip"]} for i in range(5)]
    pub, report = await run(ndjson(*rows), Mode.ALL_OR_NOTHING)
    assert [r.recipient_id for _, r in pub.published] == [f"u-{i}" for i in range(5)]
    assert all(t == "acme" and r.tenant == "acme" for t, r in pub.published)
    assert report["published"] == 5
    assert pub.batches == [2, 2, 1]


async def test_best_effort_publishes_the_good_lines_and_reports_the_bad() -> None:
    text = ndjson(GOOD, {"recipient_id": "u-2", "attributes": {"x": "y" * 65}}, GOOD)
    pub, report = await run(text, Mode.BEST_EFFORT)
    assert len(pub.published) == 2
    [error] = report["errors"]
    assert error["line"] == 2 and error["field"] == "attributes.x"
    assert error["recipient_id"] == "u-2"


async def test_a_line_for_another_tenant_is_refused() -> None:
    pub, report = await run(ndjson(GOOD | {"tenant": "globex"}), Mode.BEST_EFFORT)
    assert pub.published == []
    assert report["errors"][0]["field"] == "tenant"


async def test_an_overlong_line_is_refused_alone_without_buffering_it() -> None:
    text = ndjson(GOOD, {"recipient_id": "u-9", "goal": "x" * 10_000}, GOOD)
    pub, report = await run(text, Mode.BEST_EFFORT)
    assert len(pub.published) == 2
    assert report["errors"] == [{"line": 2, "field": "", "message": "longer than 300 bytes"}]


async def test_csv_with_contacts_tags_consent_and_attributes() -> None:
    text = (
        "\ufeffRecipient_ID,phone,push_tokens,tags,consent_marketing,consent_sms,"
        "quiet_start,quiet_end,attributes.city,attributes.Tier\r\n"
        'u-1,+8613800000000,fcm:tk-1|apns:tk-2,vip;beijing,yes,false,22:00,08:00,"北京, 朝阳",\r\n'
        "u-2,,,,maybe,,,,,\r\n"
        "u-3,,,\r\n"
        "u-4,,,,,,25:00,08:00,,\r\n"
        "u-5,,,,,,22:00,,,\r\n"
        "u-6,,,,,,,,,gold\r\n"
    )
    pub, report = await run(text, Mode.BEST_EFFORT, Format.CSV)
    [(_, r), (_, r6)] = pub.published
    assert r.contacts.phone == "+8613800000000"
    assert [t.token for t in r.contacts.push_tokens] == ["tk-1", "tk-2"]
    assert r.tags == ("vip", "beijing")
    assert r.consent.marketing is True and r.consent.channels == {"sms": False}
    assert r.quiet_hours is not None and r.quiet_hours.start == "22:00"
    assert r.attributes == {"city": "北京, 朝阳"}  # an empty cell is no value
    assert r6.attributes == {"Tier": "gold"}  # attribute keys keep their case
    assert [(e["line"], e["field"]) for e in report["errors"]] == [
        (3, "consent_marketing"),
        (4, ""),
        (5, "quiet_start"),
        (6, "quiet_start, quiet_end"),
    ]
    assert report["lines"] == 6  # the header is not counted


async def test_a_csv_header_with_an_unknown_column_imports_nothing() -> None:
    with pytest.raises(HeaderError, match="unknown column"):
        await run("recipient_id,shoe_size\nu-1,42\n", Mode.BEST_EFFORT, Format.CSV)


async def test_lines_are_numbered_across_chunks_and_blank_lines() -> None:
    got = [(li.number, li.text) async for li in lines(body("a\r\n\nbb\n\xff", 1), 10)]
    assert got == [(1, "a"), (3, "bb"), (4, "\xff")]


async def test_a_million_lines_stream_in_bounded_memory() -> None:
    """Lines are counted as they stream; nothing keeps them (a generator body)."""

    async def many() -> AsyncIterator[bytes]:
        row = b'{"recipient_id":"u-%d"}\n'
        for start in range(0, 1_000_000, 10_000):
            yield b"".join(row % i for i in range(start, start + 10_000))

    n = 0
    async for _ in lines(many(), 1024):
        n += 1
    assert n == 1_000_000


async def test_a_dry_run_checks_every_line_and_publishes_nothing() -> None:
    pub = FakePublisher()
    text = ndjson(GOOD, {"recipient_id": "u 2"}, GOOD)
    report = await Importer(pub, ImportLimits(batch=1)).run(
        "acme", body(text), Format.NDJSON, Mode.BEST_EFFORT, dry_run=True
    )
    assert pub.published == []
    assert (report.valid, report.rejected, report.published) == (2, 1, 0)
