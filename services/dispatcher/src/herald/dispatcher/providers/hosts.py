"""Per-receiver circuits for recipient-supplied URLs.

A webhook receiver belongs to a tenant (or a tenant's recipient), so its failures are
blamed on the send, never on the provider every tenant shares (`Blame.SEND`). What
remains is a dead or slow receiver tying up the shared provider's slots with one timeout
after another: after `threshold` failures in a row a host is skipped for `reset_s`
(sends to it come back retryable at once, with that wait), then tried again.
"""

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class HostCircuits:
    threshold: int = 5
    reset_s: float = 30.0
    clock: Callable[[], float] = time.monotonic
    max_hosts: int = 10_000
    """Hosts remembered at most (least recently failed forgotten first)."""
    _failing: OrderedDict[str, tuple[int, float]] = field(default_factory=OrderedDict)

    def wait(self, host: str) -> float | None:
        """Seconds until `host` may be tried again, or None if it may be tried now."""
        found = self._failing.get(host)
        if found is None or found[0] < self.threshold:
            return None
        left = found[1] + self.reset_s - self.clock()
        return left if left > 0 else None

    def record(self, host: str, ok: bool) -> None:
        if ok:
            self._failing.pop(host, None)
            return
        failures = self._failing.pop(host, (0, 0.0))[0] + 1
        self._failing[host] = (failures, self.clock())
        while len(self._failing) > self.max_hosts:
            self._failing.popitem(last=False)
