"""The console's HTTP plumbing: templates, security headers, the flash cookie (forms and
sessions: herald.runtime.websessions)."""

from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

from herald.runtime.websessions.pages import secured
from herald.runtime.websessions.pages import templates as page_templates

HERE = Path(__file__).parent
FLASH_COOKIE = "herald_console_flash"
MAX_FORM_BYTES = 16 * 1024


def templates() -> Environment:
    return page_templates(HERE / "templates")


def page(env: Environment, name: str, status: int = 200, **context: Any) -> Response:
    context.setdefault("who", None)
    context.setdefault("flash", None)
    context.setdefault("error", "")
    context.setdefault("board_link", False)
    html = env.get_template(name).render(**context)
    return secured(HTMLResponse(html, status_code=status))


def set_cookie(response: Response, name: str, value: str, max_age: int, secure: bool) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/console", secure=secure, httponly=True,
        samesite="strict",
    )  # fmt: skip


def drop_cookie(response: Response, name: str, secure: bool) -> None:
    response.delete_cookie(name, path="/console", secure=secure, httponly=True, samesite="strict")
