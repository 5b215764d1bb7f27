"""The public opt-out routes, for recipients (no API key: the signed token is the credential).

- `GET /u/{token}`: a confirm page (mail scanners and link previews fetch links: a GET
  never changes anything);
- `POST /u/{token}`: opt out (RFC 8058 one-click: the mail client posts
  `List-Unsubscribe=One-Click`; the confirm page's form posts the same);
- `GET /p/{token}`, `POST /p/{token}`: the preference centre, categories x channels.
A token that does not verify (forged, altered, expired, for another purpose) is a 404
and changes nothing. No route redirects anywhere.
"""

import urllib.parse
from collections.abc import Callable
from datetime import datetime

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from herald.contracts import ConsentSource
from herald.dispatcher.domain.optout_tokens import (
    PREFERENCES,
    REFUSABLE,
    UNSUBSCRIBE,
    OptOutSigner,
    OptOutToken,
)
from herald.dispatcher.optout import pages
from herald.dispatcher.optout.changes import CHANNELS, Change, choices
from herald.dispatcher.optout.flow import OptOuts

MAX_FORM = 16 * 1024


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status, headers=pages.HEADERS)


def _missing() -> HTMLResponse:
    return _html(pages.not_found(), 404)


async def _form(request: Request) -> dict[str, str]:
    raw = bytearray()
    async for chunk in request.stream():
        raw.extend(chunk)
        if len(raw) > MAX_FORM:
            break
    fields = urllib.parse.parse_qs(bytes(raw[:MAX_FORM]).decode("utf-8", "replace"))
    return {k: v[0] for k, v in fields.items()}


def build_optout_http(
    signer: OptOutSigner, optouts: OptOuts, clock: Callable[[], datetime]
) -> APIRouter:
    api = APIRouter(tags=["opt-out"], include_in_schema=True)

    def token(raw: str, purpose: str) -> OptOutToken | None:
        found = signer.verify(raw, clock())
        return found if found is not None and found.purpose == purpose else None

    def prefs_url(t: OptOutToken) -> str:
        mine = OptOutToken(t.tenant, t.recipient_id, PREFERENCES, t.category, None,
                           t.delivery_id, t.expires_at)  # fmt: skip
        return f"../p/{signer.sign(mine)}"

    @api.get("/u/{raw}", response_class=HTMLResponse, responses={404: {}})
    async def confirm_page(raw: str) -> HTMLResponse:
        """The confirm page of a one-click opt-out link (changes nothing)."""
        t = token(raw, UNSUBSCRIBE)
        return _html(pages.confirm(t.tenant, t.category, t.channel)) if t else _missing()

    @api.post("/u/{raw}", response_class=HTMLResponse, responses={404: {}})
    async def unsubscribe(raw: str) -> HTMLResponse:
        """Opt out (RFC 8058 one-click, or the confirm page's button)."""
        t = token(raw, UNSUBSCRIBE)
        if t is None:
            return _missing()
        now = clock()
        how = f"link in {t.delivery_id}" if t.delivery_id else "link"
        await optouts.change(
            [
                Change(t.tenant, t.recipient_id, t.category, ch, False, ConsentSource.LINK, now,
                       t.delivery_id, how)
                for ch in ((t.channel,) if t.channel else CHANNELS)
            ]
        )  # fmt: skip
        return _html(pages.done(t.tenant, t.category, t.channel, prefs_url(t)))

    @api.get("/p/{raw}", response_class=HTMLResponse, responses={404: {}})
    async def preferences_page(raw: str) -> HTMLResponse:
        """The preference centre: what this recipient gets, per category and channel."""
        t = token(raw, PREFERENCES)
        if t is None:
            return _missing()
        current = await optouts.opted_out(t.tenant, t.recipient_id)
        return _html(pages.preferences(t.tenant, REFUSABLE, current, saved=False))

    @api.post("/p/{raw}", response_class=HTMLResponse, responses={404: {}})
    async def save_preferences(raw: str, request: Request) -> HTMLResponse:
        """Save the form: a ticked box is wanted, an unticked one opted out."""
        t = token(raw, PREFERENCES)
        if t is None:
            return _missing()
        form = await _form(request)
        wanted = frozenset(
            (str(cat), str(ch))
            for cat in REFUSABLE
            for ch in CHANNELS
            if "none" in form or f"{cat}:{ch}" not in form
        )
        current = await optouts.opted_out(t.tenant, t.recipient_id)
        await optouts.change(choices(t.tenant, t.recipient_id, current, wanted, REFUSABLE, clock()))
        after = await optouts.opted_out(t.tenant, t.recipient_id)
        return _html(pages.preferences(t.tenant, REFUSABLE, after, saved=True))

    return api
