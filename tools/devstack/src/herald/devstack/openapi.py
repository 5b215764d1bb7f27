"""`python -m herald.devstack.openapi DIR [SERVICE ...]`: write each service's OpenAPI document.

The documents are checked in under docs/openapi/; a test fails when the code drifts
from them. Each app is built from its service's manifest with placeholder settings
(herald.devstack.apps), which connects to nothing.
"""

import json
import sys
from pathlib import Path
from typing import Any

from herald.devstack.apps import build_app
from herald.devstack.services import BY_NAME


def document(service: str) -> dict[str, Any]:
    spec: dict[str, Any] = build_app(BY_NAME[service]).openapi()
    return spec


def render(service: str) -> str:
    return json.dumps(document(service), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/openapi")
    out.mkdir(parents=True, exist_ok=True)
    for name in sys.argv[2:] or BY_NAME:
        (out / f"{name}.json").write_text(render(name), encoding="utf-8")
        sys.stdout.write(f"{out / name}.json\n")
