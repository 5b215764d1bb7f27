"""The templates' service layer: create, edit (a new version), publish (through review,
once), read; and review's decisions. Who may do what: any submitter of the tenant with
a department creates a template (it is their department's); new versions and publishing
are for that department's submitters (names folded) and admins; reading is for every
role that reads requests."""

from collections.abc import Sequence

import structlog

from herald.contracts import ReasonCode, Topic
from herald.contracts.common import Channel
from herald.contracts.internal import Submitter
from herald.contracts.push_request import Category
from herald.contracts.template_review import (
    TemplateReviewed,
    TemplateReviewRequested,
    TemplateTexts,
    review_key,
)
from herald.intake.templates.domain import State, TemplateInfo, Version, text_errors
from herald.intake.templates.ports import TemplateStore
from herald.runtime.auth import Principal, Role
from herald.runtime.clock import Clock
from herald.runtime.events import EventBus
from herald.runtime.identity import http_submitter, same_person
from herald.runtime.problems import Problem
from herald.runtime.tracing import trace_headers

log = structlog.get_logger(__name__)


def _not_found(name: str, version: int | None = None) -> Problem:
    what = f"version {version} of template {name}" if version else f"template {name}"
    return Problem(404, ReasonCode.NOT_FOUND, "Not found", f"no {what}")


def _invalid(texts: TemplateTexts) -> None:
    errors = text_errors(texts)
    if errors:
        raise Problem(
            422,
            ReasonCode.INVALID_REQUEST,
            "Invalid template",
            "; ".join(map(str, errors)),
            errors=[{"field": e.field, "message": e.message} for e in errors],
        )


class Templates:
    def __init__(self, store: TemplateStore, events: EventBus, clock: Clock) -> None:
        self._store, self._events, self._clock = store, events, clock

    async def create(
        self,
        who: Principal,
        name: str,
        category: Category,
        channels: tuple[Channel, ...],
        description: str,
        texts: TemplateTexts,
    ) -> Version:
        department = http_submitter(who).department  # a key without one may not
        _invalid(texts)
        if "\x00" in description:
            raise Problem(422, ReasonCode.INVALID_REQUEST, "Invalid template", "NUL in description")
        info = TemplateInfo(
            who.tenant, name, department, category, channels, description, who.user, self._clock()
        )
        created = await self._store.create(info, texts)
        if created is None:
            raise Problem(
                409, ReasonCode.DUPLICATE, "Conflict", f"template {name} exists; add a version"
            )
        log.info("template_created", template=name, tenant=who.tenant)
        return created

    async def edit(self, who: Principal, name: str, texts: TemplateTexts) -> Version:
        await self._owned(who, name)
        _invalid(texts)
        added = await self._store.add_version(who.tenant, name, texts, who.user, self._clock())
        if added is None:
            raise _not_found(name)
        return added

    async def send_to_review(
        self, who: Principal, name: str, version: int, trace_id: str
    ) -> Version:
        """Send a draft to review (once); only what review approves can be used."""
        info = await self._owned(who, name)
        found = await self._store.version(who.tenant, name, version)
        if found is None:
            raise _not_found(name, version)
        if found.state not in (State.DRAFT, State.IN_REVIEW):
            raise Problem(
                409, ReasonCode.INVALID_REQUEST, "Not a draft",
                f"version {version} is {found.state}; edit the template to make a new version",
            )  # fmt: skip
        published = await self._store.start_review(
            who.tenant, name, version, who.user, self._clock()
        )
        if published is None:
            raise _not_found(name, version)
        await self._events.publish(
            Topic.TEMPLATE_REVIEWS,
            review_key(who.tenant, name, version),
            self._review_request(who, info, published, trace_id),
            trace_headers(trace_id),
        )
        log.info("template_published", template=name, version=version, tenant=who.tenant)
        return published

    def _review_request(
        self, who: Principal, info: TemplateInfo, version: Version, trace_id: str
    ) -> TemplateReviewRequested:
        submitter = Submitter(
            user=who.user,
            department=who.department or info.department,
            credential=who.key_id,
            via="http",
        )
        return TemplateReviewRequested(
            tenant=who.tenant, name=info.name, version=version.version, category=info.category,
            channels=info.channels, texts=version.texts, submitter=submitter,
            at=self._clock(), trace_id=trace_id,
        )  # fmt: skip

    async def _owned(self, who: Principal, name: str) -> TemplateInfo:
        info = await self._store.get(who.tenant, name)
        if info is None:
            raise _not_found(name)
        if who.role != Role.ADMIN and (
            who.department is None or not same_person(who.department, info.department)
        ):
            raise Problem(
                403, ReasonCode.UNAUTHORIZED, "Forbidden",
                f"template {name} is department {info.department}'s",
            )  # fmt: skip
        return info

    async def info(self, tenant: str, name: str) -> tuple[TemplateInfo, list[Version]]:
        info = await self._store.get(tenant, name)
        if info is None:
            raise _not_found(name)
        return info, await self._store.versions(tenant, name)

    async def version(self, tenant: str, name: str, version: int) -> Version:
        found = await self._store.version(tenant, name, version)
        if found is None:
            raise _not_found(name, version)
        return found

    async def listing(self, tenant: str) -> list[TemplateInfo]:
        return await self._store.listing(tenant)

    async def reviewed(self, events: Sequence[TemplateReviewed]) -> None:
        for event in events:
            await self._store.apply_review(event)
            log.info(
                "template_reviewed",
                template=event.name,
                version=event.version,
                state=str(event.state),
            )
