"""The dry run's pure parts: a lane drained by its bucket, and cap usage looked ahead."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from herald.scheduler.domain.caps import ALL, Usage
from herald.scheduler.domain.outlook import QueuedSend, counted, usage_at
from herald.scheduler.domain.policy import TenantPolicy
from herald.scheduler.domain.queueing import DROP, GO, Job, Turn, drain

T0 = 1_800_000_000.0
LOW, NORMAL, CRITICAL = 0, 1, 3


def go(_job: Job, _t: float) -> Turn:
    return GO


def ours(n: int, due: float = T0, priority: int = NORMAL, weight: float = 1.0) -> list[Job]:
    return [Job(priority, due, weight, key=k) for k in range(n)]


def finished(jobs: list[Job], rate: float | None, tokens: float = 0.0) -> list[float]:
    return [t for _, t in drain(rate, tokens, T0, jobs, go).done]


def test_an_unpaced_lane_sends_each_at_its_time_whatever_is_queued() -> None:
    backlog = [Job(CRITICAL, T0, 1_000_000)]
    done = drain(None, 0.0, T0, [*backlog, *ours(2, T0 + 60)], go).done
    assert [t for _, t in done] == [T0 + 60, T0 + 60]


def test_a_backlog_of_equal_priority_goes_first_and_sets_the_last_send() -> None:
    jobs = [Job(NORMAL, T0, 100), *ours(10)]
    drained = drain(10.0, 0.0, T0, jobs, go)
    times = [t for _, t in drained.done]
    assert times[0] == pytest.approx(T0 + 10.1)
    assert times[-1] == pytest.approx(T0 + 11.0)  # 110 sends at 10 a second
    assert drained.backlog_sent == pytest.approx(100)


def test_higher_priority_jumps_a_lower_backlog() -> None:
    jobs = [Job(LOW, T0, 10_000), *ours(20, priority=CRITICAL)]
    drained = drain(10.0, 0.0, T0, jobs, go)
    assert [t for _, t in drained.done][-1] == pytest.approx(T0 + 2.0)
    assert drained.backlog_sent == pytest.approx(0)


def test_a_lower_backlog_takes_the_tokens_until_ours_are_due() -> None:
    jobs = [Job(LOW, T0, 10_000), *ours(10, due=T0 + 5)]
    drained = drain(10.0, 0.0, T0, jobs, go)
    assert [t for _, t in drained.done][-1] == pytest.approx(T0 + 6.0)
    assert drained.backlog_sent == pytest.approx(50)


def test_saved_tokens_send_a_burst_at_once_then_the_rate() -> None:
    times = finished(ours(15), rate=10.0, tokens=10.0)
    assert times[:10] == [T0] * 10
    assert times[-1] == pytest.approx(T0 + 0.5)


def test_a_weighted_send_stands_for_several_in_the_queue() -> None:
    [(job, last)] = drain(2.0, 0.0, T0, ours(1, weight=4.0), go).done
    assert job.first == pytest.approx(T0 + 0.5)
    assert last == pytest.approx(T0 + 2.0)


def test_a_dropped_send_uses_no_token_and_a_deferred_one_queues_again() -> None:
    def turn(job: Job, t: float) -> Turn:
        if job.key == 0:
            return DROP
        if job.key == 1 and t < T0 + 100:
            return T0 + 100
        return GO

    done = drain(1.0, 0.0, T0, ours(3), turn).done
    assert [(j.key, t) for j, t in done] == [(2, pytest.approx(T0 + 1)), (1, T0 + 100)]


ZONE = ZoneInfo("UTC")
NOW = datetime(2026, 11, 27, 4, 0, tzinfo=UTC)
CAPPED = TenantPolicy.model_validate({"caps": {"all": {"per_day": 2}, "channels": {"sms": {}}}})


def test_queued_sends_count_against_the_caps_once_due() -> None:
    queued = counted(
        CAPPED,
        [
            QueuedSend(NOW + timedelta(hours=3), "sms", "marketing"),
            QueuedSend(NOW - timedelta(hours=1), "sms", "marketing"),  # overdue: goes now
            QueuedSend(NOW + timedelta(hours=1), "sms", "transactional"),  # never capped
        ],
        NOW,
    )
    assert [q.due_at for q in queued] == [NOW, NOW + timedelta(hours=3)]
    before = usage_at(CAPPED.caps, {}, queued, NOW + timedelta(hours=2), ZONE)
    assert before[ALL] == Usage(NOW.date(), 1, NOW)
    assert before["sms"].sent == 1
    later = usage_at(CAPPED.caps, {}, queued, NOW + timedelta(hours=4), ZONE)
    assert later[ALL] == Usage(NOW.date(), 2, NOW + timedelta(hours=3))
    tomorrow = usage_at(
        CAPPED.caps,
        {ALL: Usage(NOW.date() - timedelta(days=1), 5, NOW - timedelta(days=1))},
        queued,
        NOW,
        ZONE,
    )
    assert tomorrow[ALL].sent == 1  # yesterday's usage does not carry over
