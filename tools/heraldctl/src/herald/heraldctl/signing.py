"""Signing what heraldctl publishes, as any upstream producer signs (docs/contract.md):
with the producer credential in the settings (`HERALD_PRODUCER_ID`,
`HERALD_PRODUCER_SECRET`)."""

from herald.contracts.signing import secret_from_text, signature_headers
from herald.heraldctl.common import CommandError
from herald.heraldctl.config import Settings
from herald.heraldctl.kafka import Headers


class Signer:
    def __init__(self, producer_id: str, secret: str, topic: str) -> None:
        self._id, self._secret, self._topic = producer_id, secret_from_text(secret), topic

    def __call__(self, key: bytes | None, value: bytes | None) -> Headers:
        return signature_headers(self._id, self._secret, self._topic, key, value)


def signer(settings: Settings, topic: str) -> Signer:
    """Signs records for `topic` (named without a prefix), or says what is missing."""
    if not (settings.producer_id and settings.producer_secret):
        raise CommandError(
            "publishing needs a producer credential: set HERALD_PRODUCER_ID and "
            "HERALD_PRODUCER_SECRET (make run writes them to .herald/dev-keys.env; an operator "
            "issues one with python -m herald.runtime.producers issue)"
        )
    return Signer(settings.producer_id, settings.producer_secret, topic)
