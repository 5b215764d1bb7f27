"""Settings every service shares. Read from the environment when a service is built."""

from typing import Literal

from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from herald.runtime.record_keys import parse_record_keys

REQUEST_RECORD_MAX_BYTES = 20 * 1024 * 1024
"""The largest record Herald produces: a whole request (16 MiB at most, intake's
`MAX_PAYLOAD_BYTES`) in its envelope, or its raw bytes dead-lettered."""


class ServiceSettings(BaseSettings):
    """Base settings; each service subclasses it. Secrets have no defaults."""

    # a refused setting's value is never echoed: it may be a secret, and start-up errors
    # end up in logs
    model_config = SettingsConfigDict(extra="ignore", frozen=True, hide_input_in_errors=True)

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
    record_keys: SecretStr = Field(
        description="kid:secret[,kid:secret]: signs and verifies every Kafka record"
    )
    """The deployment's record keys (herald.runtime.provenance): the first signs, all
    verify (a rotation lists the new key first, the old one after it)."""
    producers_file: str | None = None
    """JSON file of upstream producer credentials (herald.runtime.producers); none: only
    Herald's own services may write any topic."""
    producers_reload_s: float = 5.0
    """How often the producers file is checked for changes (a revocation takes effect
    within this long, without a restart)."""

    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    """How every Kafka client connects (herald.runtime.kafka_security); production uses
    SASL_SSL (SCRAM) or SSL with a client certificate (mTLS)."""
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: str | None = None
    """CA bundle the broker's certificate is checked against (else the system's)."""
    kafka_ssl_certfile: str | None = None
    """Client certificate (PEM) for mTLS; needs kafka_ssl_keyfile."""
    kafka_ssl_keyfile: str | None = None

    kafka_topic_prefix: str = ""
    """Prepended to every topic name (tests use it to keep runs apart; empty in production)."""
    kafka_session_timeout_ms: int = 10_000
    kafka_heartbeat_interval_ms: int = 3_000
    kafka_max_records: int = 500
    kafka_fetch_max_wait_ms: int = Field(default=500, ge=0)
    """How long the broker may hold an empty fetch, for consumers on a push's path
    (herald.runtime.fetching). Apache Kafka answers as soon as data arrives, so 500 costs
    no latency there; a broker that does not wake a pending fetch (Tansu: `make run`, the
    tests) adds up to this to every hop, so local stacks set 10-25."""
    kafka_batch_timeout_ms: int = Field(default=500, ge=1)
    """How long a push-path consumer's batch loop waits for records before it goes round
    again. Not a latency: records are handed over the moment a fetch brings them, and
    the loop no longer sleeps after an empty round (herald.runtime.batch_loop); an idle
    consumer wakes once per this."""
    kafka_background_fetch_max_wait_ms: int = Field(default=500, ge=0)
    """The same for consumers nobody waits on (directory, engagement, standing, contacts)."""
    kafka_background_batch_timeout_ms: int = Field(default=1000, ge=1)
    kafka_max_request_bytes: int = REQUEST_RECORD_MAX_BYTES
    """Largest record a service produces, and what consumers of the topics that carry
    whole requests fetch per partition (herald.runtime.fetching): a request of 100,000
    recipient ids of 128 characters is ~13.2 MB of JSON, intake takes bodies of up to
    16 MiB, and its envelope or dead letter adds a little. The topics allow a little more
    (`max.message.bytes`, herald.runtime.topics)."""
    kafka_max_partition_fetch_bytes: int = 4 * 1024 * 1024
    """What consumers of every other topic fetch per partition at most."""
    kafka_max_items: int = Field(default=1000, ge=1)
    """The most sends or outcomes a consumer of push.sends.v1 or push.outcomes.v1 hands
    its service at once, once the records' batches are unpacked (herald.runtime.batches)."""
    internal_batch_max_items: int = Field(default=500, ge=1)
    """The most recipients one SendBatch or OutcomeBatch record carries (larger releases
    are split)."""
    internal_batch_max_bytes: int = Field(default=900_000, ge=1024)
    """The largest SendBatch or OutcomeBatch record, in bytes of JSON: below the 1 MB
    `max.message.bytes` push.sends.v1 and push.outcomes.v1 keep (herald.runtime.topics).
    A single send larger than this still goes, alone."""
    internal_batch_shards: int = Field(default=16, ge=1)
    """Into how many records (keys `<request_id>:<shard>`, shard a stable hash of the
    recipient or delivery id) one request's sends and outcomes are spread per release:
    order per recipient holds, the load spreads over the topics' 8 partitions."""
    kafka_linger_ms: int = 0
    """How long the producer holds a record to batch it with others. 0: sent at once (a
    publish is awaited on a push's path); records published together (`publish_many`)
    still go in one batch per partition."""
    db_pool_max: int = 10
    db_pool_critical_reserve: int = Field(default=0, ge=0)
    """Postgres connections beyond DB_POOL_MAX that only critical work (a critical push's
    planning, release, send: herald.runtime.lane) may take, so a blast holding the pool
    never makes it wait; opened only when used. The scheduler and dispatcher set 2."""
    profile_dir: str | None = None
    """When set, the process runs under cProfile and writes <dir>/<service>.prof on stop."""
    memory_trace_frames: int = Field(default=0, ge=0)
    """Debugging only: > 0 traces Python allocations (tracemalloc, this many frames each)
    and logs `memory_top` on SIGUSR1 (herald.runtime.memtrace). Costs CPU; 0: off."""
    memory_trace_every_s: float = Field(default=0.0, ge=0.0)
    """With MEMORY_TRACE_FRAMES: also log `memory_top` this often (0: only on SIGUSR1)."""

    otel_exporter_otlp_endpoint: str | None = None
    """OTLP/HTTP collector (e.g. http://otel-collector:4318): setting it switches tracing on."""
    otel_exporter_otlp_traces_endpoint: str | None = None
    """The full traces URL, if not <otel_exporter_otlp_endpoint>/v1/traces."""
    otel_sdk_disabled: bool = False
    """The standard OpenTelemetry switch: true keeps tracing off even with an endpoint."""

    @field_validator("record_keys")
    @classmethod
    def _record_keys_parse(cls, value: SecretStr) -> SecretStr:
        parse_record_keys(value.get_secret_value())
        return value

    @model_validator(mode="after")
    def _kafka_security_is_whole(self) -> "ServiceSettings":
        sasl = self.kafka_security_protocol.startswith("SASL_")
        tls = self.kafka_security_protocol.endswith("SSL")
        if sasl and not (self.kafka_sasl_username and self.kafka_sasl_password):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs "
                "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD"
            )
        files = (self.kafka_ssl_cafile, self.kafka_ssl_certfile, self.kafka_ssl_keyfile)
        if not tls and any(files):
            raise ValueError(
                "KAFKA_SSL_* files are set but KAFKA_SECURITY_PROTOCOL is "
                f"{self.kafka_security_protocol}: use SSL or SASL_SSL (nothing is sent in clear)"
            )
        if bool(self.kafka_ssl_certfile) != bool(self.kafka_ssl_keyfile):
            raise ValueError("KAFKA_SSL_CERTFILE and KAFKA_SSL_KEYFILE go together (mTLS)")
        return self

    @property
    def record_key_map(self) -> dict[str, bytes]:
        return parse_record_keys(self.record_keys.get_secret_value())

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
