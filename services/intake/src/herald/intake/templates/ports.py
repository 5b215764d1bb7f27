"""Where templates are kept (Postgres: adapters/templates.py)."""

from datetime import datetime
from typing import Protocol

from herald.contracts.template_review import TemplateReviewed, TemplateTexts
from herald.intake.templates.domain import TemplateInfo, Version


class TemplateStore(Protocol):
    async def create(self, info: TemplateInfo, texts: TemplateTexts) -> Version | None:
        """The template and its version 1 (a draft); None if the name is taken."""
        ...

    async def add_version(
        self, tenant: str, name: str, texts: TemplateTexts, by: str, at: datetime
    ) -> Version | None:
        """The next version, a draft; None if there is no such template."""
        ...

    async def get(self, tenant: str, name: str) -> TemplateInfo | None: ...

    async def listing(self, tenant: str) -> list[TemplateInfo]: ...

    async def versions(self, tenant: str, name: str) -> list[Version]: ...

    async def version(self, tenant: str, name: str, version: int | None) -> Version | None:
        """That version, or (None) the latest approved one."""
        ...

    async def start_review(
        self, tenant: str, name: str, version: int, by: str, at: datetime
    ) -> Version | None:
        """A draft is now in review (one already in review is returned as it is, so that
        a publish whose announcement failed can be repeated); None if there is none."""
        ...

    async def apply_review(self, event: TemplateReviewed) -> None:
        """Review's decision on a version in review (idempotent; a final state stays)."""
        ...
