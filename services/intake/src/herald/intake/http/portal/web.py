"""The portal's HTTP plumbing: templates, security headers, redirects, downloads, and the
session every page starts from."""

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

from herald.runtime.websessions import WebSession, WebSessions
from herald.runtime.websessions.pages import secured
from herald.runtime.websessions.pages import templates as page_templates

HERE = Path(__file__).parent
LOGIN = "/portal/login"


def templates() -> Environment:
    return page_templates(HERE / "templates")


def download(body: bytes, filename: str) -> Response:
    """A CSV file as tracker made it (its cells already guarded against formulas)."""
    answer = Response(body, media_type="text/csv; charset=utf-8")
    answer.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return secured(answer)


class Pages:
    """What every page needs: the templates, the sessions, and how to render."""

    def __init__(self, sessions: WebSessions, refresh_s: int) -> None:
        self.sessions, self.refresh_s, self.env = sessions, refresh_s, templates()

    async def session(self, request: Request) -> WebSession | None:
        return await self.sessions.current(request)

    def page(self, s: WebSession | None, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("error", "")
        context.setdefault("refresh", None)
        html = self.env.get_template(name).render(
            who=s.principal if s else None, csrf=s.csrf if s else "", **context
        )
        return secured(HTMLResponse(html, status_code=status))

    def missing(self, s: WebSession, what: str) -> Response:
        """Not there, or not the caller's to see: the same answer (404)."""
        return self.page(s, "missing.html", 404, what=what)
