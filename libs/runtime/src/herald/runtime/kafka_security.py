"""How every Kafka client of a service connects: SASL (SCRAM) and/or TLS, from settings.

One `KafkaSecurity` is built per service (`from_settings`) and handed to every client the
service makes: FastStream's broker (its consumers), the event bus's producer, admin
clients and the tracker's lag probe. Plaintext is the default only because the local
broker speaks nothing else; production sets `KAFKA_SECURITY_PROTOCOL=SASL_SSL` (SCRAM,
one Strimzi `KafkaUser` per service) or `SSL` with a client certificate (mTLS).
"""

import ssl
from dataclasses import dataclass
from typing import Any

from aiokafka.helpers import create_ssl_context
from faststream.security import BaseSecurity, SASLScram256, SASLScram512

from herald.runtime.settings import ServiceSettings


@dataclass(frozen=True, slots=True)
class KafkaSecurity:
    protocol: str = "PLAINTEXT"
    mechanism: str | None = None
    username: str | None = None
    password: str | None = None
    ssl_context: ssl.SSLContext | None = None

    @classmethod
    def from_settings(cls, s: ServiceSettings) -> "KafkaSecurity":
        """Reads the certificate files now (at composition, so a missing one stops the
        service at start-up with the file's name, not at its first connection)."""
        context = None
        if s.kafka_security_protocol.endswith("SSL"):
            context = create_ssl_context(
                cafile=s.kafka_ssl_cafile,
                certfile=s.kafka_ssl_certfile,
                keyfile=s.kafka_ssl_keyfile,
            )
        sasl = s.kafka_security_protocol.startswith("SASL_")
        return cls(
            protocol=s.kafka_security_protocol,
            mechanism=s.kafka_sasl_mechanism if sasl else None,
            username=s.kafka_sasl_username if sasl else None,
            password=(
                s.kafka_sasl_password.get_secret_value() if sasl and s.kafka_sasl_password else None
            ),
            ssl_context=context,
        )

    def client_options(self) -> dict[str, Any]:
        """Keyword arguments for any aiokafka client (producer, consumer, admin)."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.ssl_context is not None:
            options["ssl_context"] = self.ssl_context
        if self.mechanism is not None:
            options |= {
                "sasl_mechanism": self.mechanism,
                "sasl_plain_username": self.username,
                "sasl_plain_password": self.password,
            }
        return options

    def faststream(self) -> BaseSecurity | None:
        """The same, as FastStream's broker takes it."""
        if self.mechanism is not None and self.username and self.password is not None:
            scram = SASLScram512 if self.mechanism == "SCRAM-SHA-512" else SASLScram256
            return scram(
                self.username,
                self.password,
                ssl_context=self.ssl_context,
                use_ssl=self.protocol == "SASL_SSL",
            )
        if self.ssl_context is not None:
            return BaseSecurity(ssl_context=self.ssl_context)
        return None

    def __repr__(self) -> str:  # the password stays out of logs and tracebacks
        return f"KafkaSecurity(protocol={self.protocol!r}, mechanism={self.mechanism!r})"


PLAINTEXT = KafkaSecurity()
