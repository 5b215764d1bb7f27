"""What every server-rendered page answers with: headers that allow no script, no framing
and no caching, and redirects only to the page's own fixed paths."""

from pathlib import Path

from fastapi.responses import RedirectResponse, Response
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, StrictUndefined

SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}
"""No script at all, styles from the page's own stylesheet only."""
SHARED_TEMPLATES = Path(__file__).parent / "templates"


def secured(response: Response) -> Response:
    response.headers.update(SECURITY_HEADERS)
    return response


def see_other(path: str) -> Response:
    """A redirect to one of the pages' own paths (built from checked ids, never a URL taken
    from the request)."""
    return secured(RedirectResponse(path, status_code=303))


def templates(folder: Path) -> Environment:
    """The pages' templates: escaped by default, a missing value is an error, read once.
    Beside the UI's own, `session_forms.html` holds the log-in and log-out forms."""
    return Environment(
        loader=ChoiceLoader([FileSystemLoader(folder), FileSystemLoader(SHARED_TEMPLATES)]),
        autoescape=True,
        undefined=StrictUndefined,
        auto_reload=False,
    )
