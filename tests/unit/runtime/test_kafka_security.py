"""SASL (SCRAM) and TLS settings reach every Kafka client a service makes."""

import ssl
from pathlib import Path
from typing import Any

import pytest
from faststream.security import BaseSecurity, SASLScram512

from herald.runtime.kafka_security import KafkaSecurity
from herald.runtime.service import build_runtime
from herald.runtime.settings import ServiceSettings

BASE: dict[str, Any] = {"database_url": "postgresql://x", "tenants": "acme"}


def settings(**over: Any) -> ServiceSettings:
    return ServiceSettings(**BASE, **over)


def test_scram_over_tls_configures_every_client_and_the_broker() -> None:
    s = settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="herald-intake",
        kafka_sasl_password="pw-from-a-secret",
    )
    security = KafkaSecurity.from_settings(s)
    options = security.client_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert (options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "herald-intake",
        "pw-from-a-secret",
    )
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    broker_side = security.faststream()
    assert isinstance(broker_side, SASLScram512)
    assert broker_side.use_ssl
    assert "pw-from-a-secret" not in repr(security)

    rt = build_runtime("intake", s)
    assert rt.events._config["sasl_mechanism"] == "SCRAM-SHA-512"
    consumers = rt.broker.config.broker_config.builder.keywords  # how FastStream makes them
    assert (consumers["security_protocol"], consumers["sasl_mechanism"]) == (
        "SASL_SSL",
        "SCRAM-SHA-512",
    )


def test_mutual_tls_reads_the_client_certificate(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError):
        KafkaSecurity.from_settings(
            settings(
                kafka_security_protocol="SSL",
                kafka_ssl_certfile=str(tmp_path / "user.crt"),
                kafka_ssl_keyfile=str(tmp_path / "user.key"),
            )
        )
    security = KafkaSecurity.from_settings(settings(kafka_security_protocol="SSL"))
    assert security.client_options()["security_protocol"] == "SSL"
    assert "sasl_mechanism" not in security.client_options()
    assert type(security.faststream()) is BaseSecurity


@pytest.mark.parametrize(
    ("over", "why"),
    [
        ({"kafka_security_protocol": "SASL_SSL"}, "needs KAFKA_SASL_USERNAME"),
        ({"kafka_ssl_cafile": "/ca.crt"}, "nothing is sent in clear"),
        (
            {"kafka_security_protocol": "SSL", "kafka_ssl_certfile": "/u.crt"},
            "go together",
        ),
    ],
)
def test_half_configured_security_stops_the_start(over: dict[str, str], why: str) -> None:
    with pytest.raises(ValueError, match=why):
        settings(**over)


def test_plaintext_is_the_local_default() -> None:
    security = KafkaSecurity.from_settings(settings())
    assert security.client_options() == {"security_protocol": "PLAINTEXT"}
    assert security.faststream() is None
