"""The pinned-egress HTTP client for recipient-supplied URLs: the runtime's
(`herald.runtime.egress.transport`, shared with intake's status callbacks)."""

from herald.runtime.egress.transport import PinnedTransport, VettedBackend, pinned_client

__all__ = ["PinnedTransport", "VettedBackend", "pinned_client"]
