"""The portal's request form: a PushRequest body from the posted fields, and the fields
that the contract's errors name. Pure: no I/O.

The form never names a requester or a tenant: both are the logged-in key's. What the
form cannot express in the contract's terms (a time without a zone, a label without
`=`) is an error here; everything else is left to the same validation as the JSON API.
"""

import re
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from herald.contracts import Category, Channel, Priority
from herald.runtime.auth import Principal
from herald.runtime.websessions import Form

CHANNELS = tuple(str(c) for c in Channel)
CATEGORIES = tuple(str(c) for c in Category)
PRIORITIES = tuple(str(p) for p in Priority)
VARIANT_PARTS = ("title", "body")
_SPLIT = re.compile(r"[\s,]+")
_ZONE = re.compile(r"^[A-Za-z0-9_+\-/]{1,64}$")


@dataclass(frozen=True)
class FormProblem:
    field: str
    """The form field it is about ("" for the request as a whole)."""
    message: str


@dataclass
class Drafted:
    body: dict[str, Any] = field(default_factory=dict)
    problems: list[FormProblem] = field(default_factory=list)


def draft(form: Form, who: Principal) -> Drafted:
    """The PushRequest body the form describes, filed by `who`, or what is wrong."""
    out = Drafted()
    out.body = {
        "request_id": form.get("request_id").strip(),
        "tenant": who.tenant,
        "requester": {"user": who.user, "department": who.department or ""},
        "goal": form.get("goal").strip(),
        "category": form.get("category"),
        "priority": form.get("priority") or "normal",
        "channels": list(dict.fromkeys(form.all("channels"))),
        "audience": _audience(form, out.problems),
        "labels": _pairs(form.get("labels"), "labels", out.problems),
    }
    template = _template(form, out.problems)
    if template is None:
        out.body["content"] = _content(form)
    else:
        out.body["template"] = template
    schedule = _schedule(form, out.problems)
    if schedule:
        out.body["schedule"] = schedule
    return out


def _content(form: Form) -> dict[str, Any]:
    content: dict[str, Any] = {"title": form.get("title").strip(), "body": form.get("body").strip()}
    if form.get("url").strip():
        content["url"] = form.get("url").strip()
    variants = {}
    for channel in form.all("channels"):
        parts = ("subject", *VARIANT_PARTS) if channel == "email" else VARIANT_PARTS
        given = {p: form.get(f"v_{channel}_{p}").strip() for p in parts}
        given = {p: text for p, text in given.items() if text}
        if given and channel in CHANNELS:
            variants[channel] = given
    if variants:
        content["variants"] = variants
    return content


def _audience(form: Form, problems: list[FormProblem]) -> dict[str, Any]:
    if form.get("audience") == "tags":
        segment = {k: _words(form.get(k)) for k in ("tags_all", "tags_any", "tags_none")}
        if not segment["tags_all"] and not segment["tags_any"]:
            problems.append(FormProblem("tags_any", "name at least one tag to reach"))
        return {"segment": {k: v for k, v in segment.items() if v}}
    recipients = _words(form.get("recipients"))
    if not recipients:
        problems.append(FormProblem("recipients", "name at least one recipient id"))
    return {"recipients": recipients}


def _words(text: str) -> list[str]:
    return [w for w in _SPLIT.split(text) if w]


def _pairs(text: str, where: str, problems: list[FormProblem]) -> dict[str, str]:
    """`key=value` lines (labels, a template's values)."""
    pairs = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, eq, value = line.partition("=")
        if not eq or not key.strip():
            problems.append(FormProblem(where, f"{line.strip()!r} is not key=value"))
            continue
        pairs[key.strip()] = value.strip()
    return pairs


def _template(form: Form, problems: list[FormProblem]) -> dict[str, Any] | None:
    """A stored template named on the form (its content replaces the form's title and
    body; intake resolves it exactly as for the JSON API), or None."""
    name = form.get("template").strip()
    if not name:
        return None
    use: dict[str, Any] = {"name": name}
    version = form.get("template_version").strip()
    if version.isdigit():
        use["version"] = int(version)
    elif version:
        why = f"{version[:20]!r} is not a version number (empty: the latest published)"
        problems.append(FormProblem("template_version", why))
    if form.get("template_locale").strip():
        use["locale"] = form.get("template_locale").strip()
    use["values"] = _pairs(form.get("template_values"), "template_values", problems)
    return use


def _schedule(form: Form, problems: list[FormProblem]) -> dict[str, Any]:
    zone_name = form.get("timezone").strip() or "UTC"
    zone = _zone(zone_name, problems)
    schedule: dict[str, Any] = {}
    for name in ("send_at", "expires_at"):
        text = form.get(name).strip()
        if not text or zone is None:
            continue
        try:
            schedule[name] = datetime.fromisoformat(text).replace(tzinfo=zone).isoformat()
        except ValueError:
            problems.append(FormProblem(name, f"{text!r} is not a date and time"))
    if form.get("local_time"):
        schedule["recipient_local_time"] = True
    return schedule


def _zone(name: str, problems: list[FormProblem]) -> ZoneInfo | None:
    try:
        if _ZONE.match(name):
            return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    problems.append(FormProblem("timezone", f"{name!r} is not a time zone (e.g. Asia/Shanghai)"))
    return None


_PLAIN_FIELDS = frozenset({"request_id", "goal", "category", "priority", "channels", "labels"})
_TEMPLATE_FIELDS = {
    "version": "template_version",
    "locale": "template_locale",
    "values": "template_values",
}


def form_field(path: str) -> str:
    """The form field a contract error's path is about (`content.title` -> `title`)."""
    head, _, rest = path.partition(".")
    if head == "content":
        return _content_field(rest)
    if head == "audience":
        return "tags_any" if rest.startswith("segment") else "recipients"
    if head == "schedule":
        return rest.partition(".")[0] or "expires_at"
    if head == "template":
        return _TEMPLATE_FIELDS.get(rest.partition(".")[0], "template")
    return (
        head if head in ("request_id", "goal", "category", "priority", "channels", "labels") else ""
    )


def _content_field(rest: str) -> str:
    part, _, rest = rest.partition(".")
    if part == "variants":
        channel, _, piece = rest.partition(".")
        return f"v_{channel}_{piece.partition('.')[0]}" if piece else "title"
    return part or "title"
