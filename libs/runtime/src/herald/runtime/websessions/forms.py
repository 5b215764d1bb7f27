"""Forms posted by Herald's pages: urlencoded, size-capped as they stream, same-site."""

from dataclasses import dataclass, field
from urllib.parse import parse_qs

from fastapi import Request

MAX_FIELDS = 1000


@dataclass(frozen=True)
class Form:
    """A posted form: each field's values in order (checkboxes repeat a name)."""

    fields: dict[str, list[str]] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def all(self, name: str) -> list[str]:
        return list(self.fields.get(name, ()))


def cross_site(request: Request) -> bool:
    """The browser says this request came from another site (a defence beside CSRF
    tokens; browsers that send no `Sec-Fetch-Site` rely on the token alone)."""
    site = request.headers.get("sec-fetch-site")
    return site is not None and site not in ("same-origin", "none")


async def read_form(request: Request, limit: int) -> Form | None:
    """The urlencoded form of this request, if it is one, same-site and at most `limit`
    bytes (counted as the body streams in, so a large body is never held whole)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded" or cross_site(request):
        return None
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    body = bytearray()
    async for chunk in request.stream():
        body.extend(chunk)
        if len(body) > limit:
            return None
    text = body.decode("utf-8", "replace")
    try:
        fields = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FIELDS)
    except ValueError:  # more fields than any of our forms has
        return None
    return Form(fields)
