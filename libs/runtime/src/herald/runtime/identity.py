"""Who is who: names compared as people mean them, and the submitter of an HTTP request.

Identity comes from the credential, never from the payload. A body still names its
requester (the contract requires it); over HTTP that name must be the key's own, or the
request is refused, so that nobody submits under another's name and then reviews it,
or dodges a ban by changing a letter. Names are compared folded (`folded`): `Li.Wei`,
` li.wei`, full-width `ｌｉ.ｗｅｉ` and `li.wei` with a zero-width space in it are one
person.
"""

import unicodedata

from herald.contracts import PushRequest, ReasonCode
from herald.contracts.internal import Submitter
from herald.runtime.auth import Principal
from herald.runtime.problems import Problem


def folded(name: str) -> str:
    """NFKC, case-folded, without whitespace or invisible format characters."""
    text = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).casefold())
    return "".join(c for c in text if not c.isspace() and unicodedata.category(c) != "Cf")


def same_person(a: str, b: str) -> bool:
    return folded(a) == folded(b)


def http_submitter(who: Principal) -> Submitter:
    """The submitter a key stands for; a key without a department may not submit."""
    if who.department is None:
        raise Problem(
            403,
            ReasonCode.UNAUTHORIZED,
            "Forbidden",
            f"API key {who.key_id} has no department, so it cannot submit requests: "
            "an administrator gives it one in the key file",
        )
    return Submitter(user=who.user, department=who.department, credential=who.key_id, via="http")


def requester_is_caller(who: Principal, request: PushRequest) -> Submitter:
    """The caller as submitter, if the body's requester is the caller (folded); else 403
    naming each field that differs with both values."""
    submitter = http_submitter(who)
    named = request.requester
    errors = [
        {
            "field": f"requester.{field}",
            "message": f"is {given!r}, but this API key belongs to {own!r}",
        }
        for field, given, own in (
            ("user", named.user, submitter.user),
            ("department", named.department, submitter.department),
        )
        if not same_person(given, own)
    ]
    if errors:
        detail = "; ".join(f"{e['field']} {e['message']}" for e in errors)
        raise Problem(
            403,
            ReasonCode.UNAUTHORIZED,
            "Requester is not the caller",
            f"{detail}: a request is submitted under its submitter's own name",
            errors=errors,
        )
    return submitter
