"""Intake's templates API: create (version 1, a draft), edit (a new version), publish
(through review), list and read. Every answer is scoped to the key's tenant."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from pydantic import BaseModel, Field

from herald.contracts import Channel, Id
from herald.contracts.common import ID_PATTERN
from herald.contracts.push_request import Category
from herald.contracts.template_review import TemplateTexts
from herald.contracts.templates import MAX_VERSION
from herald.intake.templates.domain import TemplateInfo, Version
from herald.intake.templates.service import Templates
from herald.runtime.auth import Authenticator, Principal, Role
from herald.runtime.problems import problems
from herald.runtime.tracing import TRACE_HEADER, bind_trace, request_trace_id

_ERRORS = problems(401, 403, 404, 409)
VersionNo = Annotated[int, Path(ge=1, le=MAX_VERSION)]
Name = Annotated[str, Path(pattern=ID_PATTERN)]


class NewTemplate(BaseModel):
    name: Id
    category: Category
    channels: Annotated[tuple[Channel, ...], Field(min_length=1, max_length=6)]
    """The channels its texts are written and reviewed for."""
    description: str = Field(default="", max_length=500)
    texts: TemplateTexts


class NewVersion(BaseModel):
    texts: TemplateTexts


def version_view(v: Version, texts: bool = True) -> dict[str, Any]:
    view: dict[str, Any] = {
        "name": v.name,
        "version": v.version,
        "state": str(v.state),
        "created_by": v.created_by,
        "created_at": v.created_at.isoformat(),
        "published_by": v.published_by,
        "published_at": v.published_at.isoformat() if v.published_at else None,
        "decided_by": v.decided_by,
        "decided_at": v.decided_at.isoformat() if v.decided_at else None,
        "reasons": [r.model_dump(mode="json") for r in v.reasons],
    }
    if texts:
        view["texts"] = v.texts.model_dump(mode="json", exclude_none=True)
    return view


def info_view(t: TemplateInfo) -> dict[str, Any]:
    return {
        "name": t.name,
        "department": t.department,
        "category": str(t.category),
        "channels": [str(c) for c in t.channels],
        "description": t.description,
        "created_by": t.created_by,
        "created_at": t.created_at.isoformat(),
        "latest_version": t.latest_version,
        "published_version": t.published_version,
    }


def build_templates_http(templates: Templates, auth: Authenticator) -> APIRouter:
    api = APIRouter(prefix="/v1/templates", tags=["templates"])
    writers = auth.requires(Role.SUBMITTER)
    readers = auth.requires(Role.SUBMITTER, Role.REVIEWER, Role.VIEWER)

    @api.post("", status_code=201, responses=_ERRORS | problems(400, 413, 422))
    async def create(body: NewTemplate, who: Annotated[Principal, writers]) -> dict[str, Any]:
        """A new template of the caller's department, with its version 1 as a draft."""
        made = await templates.create(
            who, body.name, body.category, body.channels, body.description, body.texts
        )
        return version_view(made)

    @api.get("", responses=_ERRORS)
    async def listing(who: Annotated[Principal, readers]) -> dict[str, Any]:
        return {"templates": [info_view(t) for t in await templates.listing(who.tenant)]}

    @api.get("/{name}", responses=_ERRORS)
    async def one(name: Name, who: Annotated[Principal, readers]) -> dict[str, Any]:
        """The template and its versions (without their texts)."""
        info, versions = await templates.info(who.tenant, name)
        return info_view(info) | {"versions": [version_view(v, texts=False) for v in versions]}

    @api.post("/{name}/versions", status_code=201, responses=_ERRORS | problems(400, 413, 422))
    async def edit(
        name: Name, body: NewVersion, who: Annotated[Principal, writers]
    ) -> dict[str, Any]:
        """Editing makes a new version, a draft; earlier versions stay as they were."""
        return version_view(await templates.edit(who, name, body.texts))

    @api.get("/{name}/versions/{version}", responses=_ERRORS)
    async def version(
        name: Name, version: VersionNo, who: Annotated[Principal, readers]
    ) -> dict[str, Any]:
        return version_view(await templates.version(who.tenant, name, version))

    @api.post("/{name}/versions/{version}/publish", status_code=202, responses=_ERRORS)
    async def publish(
        name: Name, version: VersionNo, request: Request, who: Annotated[Principal, writers]
    ) -> dict[str, Any]:
        """Send a draft to review (once; again while it is in review, if the first send
        was lost). Review's decision makes it `approved` (usable) or `rejected`."""
        trace_id = request.headers.get(TRACE_HEADER) or request_trace_id()
        bind_trace(trace_id)
        return version_view(await templates.send_to_review(who, name, version, trace_id))

    return api
