"""A service's app built from its manifest with placeholder settings, for tools that
read what an app declares (its OpenAPI document) without running it.

Building an app connects to nothing: the placeholders only have to validate. Secrets
the app parses when it is built (tracking keys) get a placeholder of the right shape.
"""

from typing import Any

from fastapi import FastAPI

from herald.runtime.manifest import ServiceManifest
from herald.runtime.settings import ServiceSettings

PLACEHOLDERS: dict[str, Any] = {
    "database_url": "postgresql://unused/unused",
    "tenants": "acme",
    "signing_secret": "unused-placeholder-for-the-signing-secret",
    "tracking_keys": "k1:unused-placeholder-for-the-tracking-keys",
    "delivery_id_key": "unused-placeholder-for-the-delivery-id-key",
    "record_keys": "k1:a-placeholder-record-key-nothing-is-signed",
}


def placeholder_settings(manifest: ServiceManifest, **extra: Any) -> ServiceSettings:
    """The service's settings with placeholders for what is required, and no environment:
    what an operator happens to have exported must not change a generated document."""
    cls = manifest.settings_class()
    given = {k: v for k, v in PLACEHOLDERS.items() if k in cls.model_fields} | extra
    missing = {k for k, f in cls.model_fields.items() if f.is_required()} - set(given)
    if missing:
        raise LookupError(f"{manifest.name}: no placeholder for {sorted(missing)}: add them")
    return cls.model_validate(given)


def build_app(manifest: ServiceManifest, settings: ServiceSettings | None = None) -> FastAPI:
    factory = manifest.app_factory()
    return factory(settings or placeholder_settings(manifest))
