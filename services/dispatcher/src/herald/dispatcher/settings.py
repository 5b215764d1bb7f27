from pydantic import SecretStr

from herald.runtime.settings import ServiceSettings


class DispatcherSettings(ServiceSettings):
    http_port: int = 8004
    signing_secret: SecretStr
    """HMAC key for webhook signatures (and, later, tracking links)."""
    channel_providers: str = "webhook=webhook,sms=log,email=log,app_push=log,in_app=log"
    """channel=provider pairs; `log` records what would be sent and sends nothing."""
    max_in_flight: int = 200
    provider_timeout_s: float = 10.0
