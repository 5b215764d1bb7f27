"""FastStream's batch subscriber loop without its sleep after an empty poll.

FastStream 0.7's `BatchSubscriber.get_msg` asks aiokafka for records for at most
`batch_timeout_ms` and, when none came, *sleeps* as long again before asking once more.
aiokafka's `getmany(timeout_ms=T)` already returns the moment a fetch brings records, so
that sleep only adds latency (a record arriving meanwhile waits it out) and wake-ups: an
idle consumer on a push's path, at 10 ms, woke its event loop a hundred times a second,
and a process has up to six of them (issue 17). `patient` makes a subscriber ask for up
to its `batch_timeout_ms` and never sleep: records are handed over as soon as the fetcher
has them, whatever the timeout, and an idle consumer wakes once per timeout.

The one guard: should `getmany` ever come back empty well before its timeout (aiokafka
does not today: it waits for an assignment, then for records or the timeout), the loop
sleeps out the rest as FastStream did, so it cannot spin.
"""

from itertools import chain
from time import monotonic
from typing import TYPE_CHECKING

from anyio import sleep
from faststream.kafka.subscriber.usecase import BatchSubscriber

if TYPE_CHECKING:
    from aiokafka import AIOKafkaConsumer, ConsumerRecord


class _PatientBatchSubscriber(BatchSubscriber):
    __slots__ = ()

    async def get_msg(self, consumer: "AIOKafkaConsumer") -> tuple["ConsumerRecord", ...]:
        timeout_s = self.batch_timeout_ms / 1000
        started = monotonic()
        messages = await consumer.getmany(
            timeout_ms=self.batch_timeout_ms, max_records=self.max_records
        )
        if not messages:
            rest = timeout_s / 2 - (monotonic() - started)
            if rest > 0:  # came back early and empty: never spin
                await sleep(rest)
            return ()
        return tuple(chain(*messages.values()))


def patient(subscriber: object) -> None:
    """Give a FastStream batch subscriber the loop above (in place: the router and the
    broker hold this very object)."""
    if type(subscriber) is not BatchSubscriber:
        raise TypeError(f"not a FastStream batch subscriber: {type(subscriber).__name__}")
    subscriber.__class__ = _PatientBatchSubscriber
