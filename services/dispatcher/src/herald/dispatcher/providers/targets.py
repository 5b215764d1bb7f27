"""Which addresses a recipient-supplied URL (webhook, chat robot) may reach (SSRF).

The policy itself is the runtime's (`herald.runtime.egress.addresses`, shared with
intake's status callbacks): public addresses only, in every spelling, checked before
the call and again on the address each connection is opened to. Here it answers in the
provider's terms: a refused URL is an `Attempt` blamed on the send, permanent unless
the host merely did not resolve.

Deployments whose receivers live on a private network list those ranges for the
provider (`allow_networks`, private ranges only); `WEBHOOK_ALLOW_PRIVATE=true` lets
everything through and is for local development only.
"""

from dataclasses import dataclass

from herald.dispatcher.providers.base import Attempt, Blame, Result
from herald.runtime.egress import addresses
from herald.runtime.egress.addresses import (
    NEVER_LISTED,
    NEVER_PUBLIC,
    Address,
    Network,
    Resolver,
    TargetRefusedError,
    embedded,
    listable,
    public,
    system_resolver,
)

__all__ = [
    "NEVER_LISTED", "NEVER_PUBLIC", "Address", "Network", "Resolver", "TargetRefusedError",
    "Targets", "embedded", "listable", "public", "refuse", "system_resolver",
]  # fmt: skip


@dataclass(frozen=True)
class Targets(addresses.Targets):
    """The runtime's address policy, answering with a provider's Attempt."""

    async def refuse(self, name: str, url: str) -> Attempt | None:
        """None if the URL may be called, else the Attempt saying why not."""
        found = await self.check(url)
        if found is None:
            return None
        result = Result.RETRYABLE if found.retryable else Result.PERMANENT
        return Attempt(result, name, f"webhook {found.detail}", blame=Blame.SEND)


async def refuse(name: str, url: str, allow_private: bool) -> Attempt | None:
    """`Targets(allow_all=allow_private).refuse`, for callers with a yes/no policy."""
    return await Targets(allow_all=allow_private).refuse(name, url)
