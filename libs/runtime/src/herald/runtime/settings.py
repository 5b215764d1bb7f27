"""Settings every service shares. Read from the environment when a service is built."""

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Base settings; each service subclasses it. Secrets have no defaults."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True)

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    database_url: SecretStr = Field(description="postgresql://user:pass@host:port/db")
    tenants: str = Field(description="comma-separated tenants this deployment serves")
    http_host: str = "0.0.0.0"  # noqa: S104 - a container serves on all its interfaces
    http_port: int = 8000
    http_admin_port: int | None = None
    """When set, `/readyz` details and `/metrics` are served on this port only (see
    herald.runtime.ops); every deployment manifest sets it."""
    http_docs: bool = False
    """Serve `/docs` and `/openapi.json` (off: the documents are checked in under docs/)."""
    http_max_body_bytes: int = 256 * 1024
    """The default cap on every request body; routes that need more say so."""
    log_level: str = "INFO"
    log_json: bool | None = None
    """JSON logs; by default on unless stdout is a terminal."""
    api_keys_file: str | None = None
    """JSON file of hashed API keys (see docs/api-keys.md)."""

    kafka_topic_prefix: str = ""
    """Prepended to every topic name (tests use it to keep runs apart; empty in production)."""
    kafka_session_timeout_ms: int = 10_000
    kafka_heartbeat_interval_ms: int = 3_000
    kafka_max_records: int = 500
    kafka_batch_timeout_ms: int = 50
    kafka_max_request_bytes: int = 4 * 1024 * 1024
    kafka_linger_ms: int = 5
    db_pool_max: int = 10
    profile_dir: str | None = None
    """When set, the process runs under cProfile and writes <dir>/<service>.prof on stop."""

    otel_exporter_otlp_endpoint: str | None = None
    """OTLP/HTTP collector (e.g. http://otel-collector:4318): setting it switches tracing on."""
    otel_exporter_otlp_traces_endpoint: str | None = None
    """The full traces URL, if not <otel_exporter_otlp_endpoint>/v1/traces."""
    otel_sdk_disabled: bool = False
    """The standard OpenTelemetry switch: true keeps tracing off even with an endpoint."""

    @property
    def otel_traces_url(self) -> str | None:
        """Where spans go; None when tracing is off (the default)."""
        if self.otel_sdk_disabled:
            return None
        if self.otel_exporter_otlp_traces_endpoint:
            return self.otel_exporter_otlp_traces_endpoint
        if self.otel_exporter_otlp_endpoint:
            return self.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
        return None

    @property
    def tenant_set(self) -> frozenset[str]:
        return frozenset(t.strip() for t in self.tenants.split(",") if t.strip())
