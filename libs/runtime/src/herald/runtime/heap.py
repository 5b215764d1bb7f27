"""The garbage collector and a service's long-lived heap.

A started service holds a few hundred thousand objects that live as long as it does
(modules, pydantic schemas, the broker's and the pool's state). CPython's cyclic
collector walks every tracked object of the oldest generation on each full collection,
and the per-recipient paths (decoding batches, building sends and outcomes, reading
rows) allocate enough to trigger collections often: measured in the scheduler's
release path, about a third of its CPU went to the collector walking that startup heap
(docs/capacity.md, issue 17). `freeze_startup_heap` moves what exists once the service
has started into the permanent generation, which the collector no longer walks; what is
allocated later is collected as before.
"""

import gc


def freeze_startup_heap() -> int:
    """Collect once, then freeze what survived; how many objects were frozen."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
