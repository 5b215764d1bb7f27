"""Every operation that takes a body documents 413 in the service's OpenAPI document.

`BodyLimit` (bodylimit.py) may answer 413 on any route before the route runs, so the
answer belongs to every operation with a request body, not only to those whose authors
remembered it: a client generated from the document, or a contract test, expects it.
"""

import copy
from typing import Any

from fastapi import FastAPI

from herald.runtime.problems import PROBLEM_RESPONSE


def with_413(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with a 413 problem response on every operation that has a request body."""
    for item in schema.get("paths", {}).values():
        for operation in item.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                answers = operation.setdefault("responses", {})
                answers.setdefault("413", copy.deepcopy(PROBLEM_RESPONSE))
    return schema


def document_body_limits(app: FastAPI) -> None:
    """Make `app.openapi()` add the 413s (once: FastAPI caches the document)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = with_413(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
