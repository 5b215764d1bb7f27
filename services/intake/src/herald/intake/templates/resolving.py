"""A submission that names a stored template, made into the request it stands for:
before `domain.parse_request` reads it, its `content` is filled in from the version
asked for (or the latest published one), in the locale asked for along its fallback
chain, with the submitted values in place; `template.used_version` and
`template.used_locale` say which. Only an approved version is ever used. Anything wrong
is an `Invalid` naming `template.*` fields, as intake's other refusals do."""

import json
from dataclasses import replace
from typing import Any

from pydantic import ValidationError

from herald.contracts import FieldError, PushRequest, describe_validation_error
from herald.contracts.templates import TemplateUse
from herald.intake.domain import Invalid, Limits, parse_request
from herald.intake.templates.domain import State, Version, pick
from herald.intake.templates.filling import fill, value_errors
from herald.intake.templates.ports import TemplateStore


class Resolver:
    def __init__(self, store: TemplateStore) -> None:
        self._store = store

    async def expand(self, raw: bytes, tenant: str | None) -> bytes | Invalid:
        """`raw` with its content filled in; `raw` itself when it names no template, or
        names another tenant than `tenant` (the caller's: refused later, as such)."""
        data = _object(raw)
        named = data is not None and data.get("template") is not None
        if data is None or not named or tenant is None or data.get("tenant") != tenant:
            return raw
        rid = data.get("request_id") if isinstance(data.get("request_id"), str) else None
        resolved = await self._resolve(data, tenant)
        if isinstance(resolved, list):
            return Invalid(resolved, rid, tenant)
        return json.dumps(resolved, ensure_ascii=False).encode()

    async def _resolve(
        self, data: dict[str, Any], tenant: str
    ) -> dict[str, Any] | list[FieldError]:
        if "content" in data:
            return [
                FieldError("content", "a request names a template or carries content, not both")
            ]
        try:
            use = TemplateUse.model_validate(data["template"])
        except ValidationError as exc:
            return [
                FieldError(f"template.{e.field}".rstrip("."), e.message, e.value)
                for e in describe_validation_error(exc)
            ]
        found = await self._store.version(tenant, use.name, use.version)
        refused = await self._refusal(tenant, use, found)
        if refused or found is None:
            return refused
        locale, content = pick(found.texts, use.locale)
        where = f"version {found.version} of template {use.name} ({locale})"
        errors = value_errors(content, use.values, where)
        if errors:
            return errors
        filled = fill(content, use.values)
        used = use.model_copy(update={"used_version": found.version, "used_locale": locale})
        return data | {
            "content": filled.model_dump(mode="json", exclude_none=True),
            "template": used.model_dump(mode="json", exclude_none=True),
        }

    async def _refusal(
        self, tenant: str, use: TemplateUse, found: Version | None
    ) -> list[FieldError]:
        if found is not None and found.state == State.APPROVED:
            return []
        if found is not None:
            return [
                FieldError(
                    "template.version",
                    f"version {found.version} of template {use.name} is {found.state}; only a "
                    "version review approved can be used",
                    found.version,
                )
            ]
        if await self._store.get(tenant, use.name) is None:
            return [FieldError("template.name", "no such template", use.name)]
        if use.version is None:
            return [FieldError("template.version", f"template {use.name} has no published version")]
        return [
            FieldError("template.version", f"template {use.name} has no such version", use.version)
        ]


def _object(raw: bytes) -> dict[str, Any] | None:
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return data if isinstance(data, dict) else None


async def parse_submission(
    raw: bytes, limits: Limits, resolver: Resolver | None, tenant: str | None
) -> PushRequest | Invalid:
    """`domain.parse_request`, after a named template is resolved (for `tenant`: the
    caller's or the producer's). The size limit is the submission's: content filled in
    from a template may make the request larger than its submitter sent."""
    if resolver is None or len(raw) > limits.max_payload_bytes:
        return parse_request(raw, limits)
    expanded = await resolver.expand(raw, tenant)
    if isinstance(expanded, Invalid):
        return expanded
    if len(expanded) > limits.max_payload_bytes:
        limits = replace(limits, max_payload_bytes=len(expanded))
    return parse_request(expanded, limits)
