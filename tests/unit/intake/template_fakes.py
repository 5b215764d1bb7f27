"""A hand-written TemplateStore for the templates' unit tests."""

from datetime import UTC, datetime

from herald.contracts import Channel
from herald.contracts.push_request import Category
from herald.contracts.template_review import TemplateReviewed, TemplateTexts
from herald.intake.templates.domain import State, TemplateInfo, Version

AT = datetime(2026, 11, 29, 8, 0, tzinfo=UTC)


class FakeTemplateStore:
    def __init__(self) -> None:
        self.infos: dict[tuple[str, str], TemplateInfo] = {}
        self.rows: dict[tuple[str, str], list[Version]] = {}

    def put(self, tenant: str, name: str, texts: TemplateTexts, state: State) -> Version:
        if (tenant, name) not in self.infos:
            self.infos[tenant, name] = TemplateInfo(
                tenant, name, "marketing", Category.MARKETING, (Channel.WEBHOOK,), "", "li.wei", AT
            )
        versions = self.rows.setdefault((tenant, name), [])
        v = Version(tenant, name, len(versions) + 1, texts, state, "li.wei", AT)
        versions.append(v)
        return v

    async def create(self, info: TemplateInfo, texts: TemplateTexts) -> Version | None:
        if (info.tenant, info.name) in self.infos:
            return None
        self.infos[info.tenant, info.name] = info
        return self.put(info.tenant, info.name, texts, State.DRAFT)

    async def add_version(
        self, tenant: str, name: str, texts: TemplateTexts, by: str, at: datetime
    ) -> Version | None:
        if (tenant, name) not in self.infos:
            return None
        return self.put(tenant, name, texts, State.DRAFT)

    async def get(self, tenant: str, name: str) -> TemplateInfo | None:
        return self.infos.get((tenant, name))

    async def listing(self, tenant: str) -> list[TemplateInfo]:
        return [i for (t, _), i in sorted(self.infos.items()) if t == tenant]

    async def versions(self, tenant: str, name: str) -> list[Version]:
        return list(self.rows.get((tenant, name), []))

    async def version(self, tenant: str, name: str, version: int | None) -> Version | None:
        versions = self.rows.get((tenant, name), [])
        if version is None:
            approved = [v for v in versions if v.state == State.APPROVED]
            return approved[-1] if approved else None
        return next((v for v in versions if v.version == version), None)

    async def start_review(
        self, tenant: str, name: str, version: int, by: str, at: datetime
    ) -> Version | None:
        raise NotImplementedError

    async def apply_review(self, event: TemplateReviewed) -> None:
        raise NotImplementedError
