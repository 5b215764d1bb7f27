"""`python -m herald.devstack.openapi DIR`: write each HTTP service's OpenAPI document.

The documents are checked in under docs/openapi/; a test fails when the code drifts
from them. Building an app connects to nothing, so placeholder settings suffice.
"""

import importlib
import json
import sys
from pathlib import Path
from typing import Any

SERVICES = ("intake", "review", "tracker", "dispatcher")
_PLACEHOLDERS = {
    "database_url": "postgresql://unused/unused",
    "tenants": "acme",
    "signing_secret": "unused",
    "tracking_keys": "k1:unused",
    "record_keys": "k1:a-placeholder-record-key-nothing-is-signed",
}


def document(service: str) -> dict[str, Any]:
    main = importlib.import_module(f"herald.{service}.main")
    settings_mod = importlib.import_module(f"herald.{service}.settings")
    settings_cls = next(
        v
        for k, v in vars(settings_mod).items()
        if k.endswith("Settings") and k != "ServiceSettings"
    )
    fields = settings_cls.model_fields
    settings = settings_cls(**{k: v for k, v in _PLACEHOLDERS.items() if k in fields})
    spec: dict[str, Any] = main.create_app(settings).openapi()
    return spec


def render(service: str) -> str:
    return json.dumps(document(service), indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/openapi")
    out.mkdir(parents=True, exist_ok=True)
    for name in sys.argv[2:] or SERVICES:
        (out / f"{name}.json").write_text(render(name), encoding="utf-8")
        sys.stdout.write(f"{out / name}.json\n")
