"""Declaring metrics, one way: each service's metrics class declares its own through
`Metrics` (name under the service's prefix, help, labels; one call each), and bounds
label values with `bounded` so that the number of series stays small."""

from collections.abc import Iterable, Sequence

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

OTHER = "other"


class Metrics:
    """Declares metrics named `<prefix>_<name>` on one registry."""

    def __init__(self, registry: CollectorRegistry, prefix: str) -> None:
        self._registry, self._prefix = registry, prefix

    def counter(self, name: str, doc: str, *labels: str) -> Counter:
        return Counter(f"{self._prefix}_{name}", doc, labels, registry=self._registry)

    def gauge(self, name: str, doc: str, *labels: str) -> Gauge:
        return Gauge(f"{self._prefix}_{name}", doc, labels, registry=self._registry)

    def histogram(
        self,
        name: str,
        doc: str,
        *labels: str,
        buckets: Sequence[float] = Histogram.DEFAULT_BUCKETS,
    ) -> Histogram:
        return Histogram(
            f"{self._prefix}_{name}", doc, labels, buckets=buckets, registry=self._registry
        )


class Bounded:
    """Label values from a known set (the tenants a deployment serves, the channels);
    anything else is `other`, never an unbounded id."""

    def __init__(self, known: Iterable[str], none: str = OTHER) -> None:
        self._known, self._none = frozenset(known), none

    def __call__(self, value: str | None) -> str:
        if not value:
            return self._none
        return value if value in self._known else OTHER
