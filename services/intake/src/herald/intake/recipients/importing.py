"""A bulk import: stream the lines, validate each, publish the good ones, report the bad.

`best_effort` publishes good lines in batches as they come. `all_or_nothing` publishes
only if every line is good: the good ones wait in a spool (a temporary file, not memory)
until the body ends, then go out in batches, or are dropped with the spool. Either way
memory holds one batch and the first `max_errors` errors, whatever the body's size.
"""

import asyncio
import tempfile
from collections.abc import AsyncIterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import IO, Any, Protocol

from herald.contracts import Recipient
from herald.intake.recipients.lines import Line, lines
from herald.intake.recipients.parsing import CsvLayout, HeaderError, LineError, from_ndjson


# deliberate declaration: the import modes the API accepts
class Mode(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"
    BEST_EFFORT = "best_effort"


# deliberate declaration: the import formats the API accepts
class Format(StrEnum):
    NDJSON = "ndjson"
    CSV = "csv"


class RecipientPublisher(Protocol):
    async def upsert(self, tenant: str, recipients: Sequence[Recipient]) -> None: ...

    async def erase(self, tenant: str, recipient_id: str) -> None: ...


@dataclass(frozen=True, slots=True)
class ImportLimits:
    batch: int = 1000
    max_line: int = 64 * 1024
    max_errors: int = 1000


@dataclass
class Report:
    mode: Mode
    format: Format
    dry_run: bool = False
    lines: int = 0
    valid: int = 0
    published: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "format": self.format,
            "dry_run": self.dry_run,
            "lines": self.lines,
            "valid": self.valid,
            "published": self.published,
            "rejected": self.rejected,
            "errors": self.errors,
            "errors_truncated": self.rejected > len(self.errors),
        }


class Importer:
    def __init__(self, publisher: RecipientPublisher, limits: ImportLimits) -> None:
        self._publisher = publisher
        self._limits = limits

    async def run(
        self,
        tenant: str,
        body: AsyncIterable[bytes],
        fmt: Format,
        mode: Mode,
        *,
        dry_run: bool = False,
    ) -> Report:
        """`dry_run`: check every line, publish nothing."""
        report = Report(mode, fmt, dry_run=dry_run)
        spool = _Spool() if mode == Mode.ALL_OR_NOTHING and not dry_run else None
        batch: list[Recipient] = []
        layout: CsvLayout | None = None
        try:
            async for line in lines(body, self._limits.max_line):
                if fmt == Format.CSV and layout is None:
                    layout = self._header(line)
                    continue
                report.lines += 1
                found = self._parse(line, tenant, layout, report)
                if found is None:
                    continue
                report.valid += 1
                batch.append(found)
                if dry_run:
                    batch.clear()
                elif len(batch) >= self._limits.batch:
                    await self._flush(tenant, batch, spool, report)
            await self._flush(tenant, batch, spool, report)
            if spool is not None and not report.rejected:
                await self._publish_spooled(tenant, spool, report)
        finally:
            if spool is not None:
                await spool.close()
        return report

    def _header(self, line: Line) -> CsvLayout:
        if line.text is None:
            raise HeaderError(f"the header line is {line.problem}")
        return CsvLayout.parse(line.text)

    def _parse(
        self, line: Line, tenant: str, layout: CsvLayout | None, report: Report
    ) -> Recipient | None:
        try:
            return _recipient(line, tenant, layout)
        except LineError as exc:
            report.rejected += 1
            if len(report.errors) < self._limits.max_errors:
                error = {"line": line.number, "field": exc.field, "message": exc.message}
                if exc.recipient_id:
                    error["recipient_id"] = exc.recipient_id
                report.errors.append(error)
            return None

    async def _flush(
        self, tenant: str, batch: list[Recipient], spool: "_Spool | None", report: Report
    ) -> None:
        if not batch:
            return
        if spool is None:
            await self._publisher.upsert(tenant, batch)
            report.published += len(batch)
        elif not report.rejected:  # once a line is bad nothing will be published
            await spool.write(batch)
        batch.clear()

    async def _publish_spooled(self, tenant: str, spool: "_Spool", report: Report) -> None:
        async for chunk in spool.read(self._limits.batch):
            await self._publisher.upsert(tenant, chunk)
            report.published += len(chunk)


def _recipient(line: Line, tenant: str, layout: CsvLayout | None) -> Recipient:
    if line.text is None:
        raise LineError(line.problem)
    if layout is not None:
        return layout.row(line.text, tenant)
    return from_ndjson(line.text, tenant)


class _Spool:
    """Validated recipients on disk, one JSON line each (file work in a thread)."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in close()

    async def write(self, batch: Sequence[Recipient]) -> None:
        data = b"".join(r.model_dump_json().encode() + b"\n" for r in batch)
        await asyncio.to_thread(self._file.write, data)

    async def read(self, n: int) -> AsyncIterable[list[Recipient]]:
        await asyncio.to_thread(self._file.seek, 0)
        while rows := await asyncio.to_thread(_read_lines, self._file, n):
            yield [Recipient.model_validate_json(r) for r in rows]

    async def close(self) -> None:
        await asyncio.to_thread(self._file.close)


def _read_lines(f: IO[bytes], n: int) -> list[bytes]:
    out = []
    for _ in range(n):
        row = f.readline()
        if not row:
            break
        out.append(row)
    return out
