from herald.runtime.settings import ServiceSettings


class IntakeSettings(ServiceSettings):
    http_port: int = 8001
    max_payload_bytes: int = 256 * 1024
    send_at_grace_s: int = 300
    """How far in the past `send_at` may be (clock skew, queueing) before it is refused."""
