"""The dry run's answer (pure): the timed members tallied and, for a sample, scaled to
the whole reachable audience, with each figure marked `exact` or `extrapolated`.

Exact: counted in the snapshot (audience, reachable, suppressed without contact or
consent, a lane's backlog), or, when every reachable member was timed, what the timing
found. Extrapolated: timed on a sample and scaled (counts), or read off the sample
(times, which a sample only approximates).
"""

from collections import Counter
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from herald.contracts import ReasonCode
from herald.scheduler.domain.forecast import End, Item
from herald.scheduler.domain.forecast_lanes import LaneForecast
from herald.scheduler.domain.pacing import channel_of

DEFERRALS = (
    ReasonCode.QUIET_HOURS_DEFERRED,
    ReasonCode.BLACKOUT_DEFERRED,
    ReasonCode.FREQUENCY_CAPPED,
)
COUNTED = ("audience", "reachable", "suppressed.no_contact", "suppressed.opted_out")
LANE_COUNTED = ("pacing.lanes[].backlog",)
TIMED = (
    "suppressed.frequency_capped",
    *(f"deferred.{r}" for r in DEFERRALS),
    "deferred.expired",
    "expired_by.timing",
    "expired_by.pacing",
    "would_send",
    "would_send_by_channel",
    "spread.first",
    "spread.last",
    "spread.per_hour",
    "pacing.last_send",
    *(f"pacing.lanes[].{k}" for k in ("ahead", "sends", "expired", "first", "last")),
)


def report(
    counts: dict[str | None, int], items: Sequence[Item], lanes: Sequence[LaneForecast]
) -> dict[str, Any]:
    reachable, timed = counts.get(None, 0), len(items)
    scale = reachable / timed if timed else 0.0
    sampled = timed < reachable

    def up(n: float) -> int:
        return round(n * scale)

    ends = Counter(i.end for i in items)
    deferred = Counter(str(r) for i in items for r in i.deferred)
    sent = [i for i in items if i.end == End.SENT]
    last = _iso(max((i.last for i in sent if i.last), default=None))
    return {
        "audience": sum(counts.values()),
        "reachable": reachable,
        "suppressed": {
            "no_contact": counts.get("no_contact", 0),
            "opted_out": counts.get("opted_out", 0),
            "frequency_capped": up(ends[End.CAPPED]),
        },
        "deferred": {str(r): up(deferred[str(r)]) for r in DEFERRALS}
        | {"expired": up(ends[End.EXPIRED_TIMING] + ends[End.EXPIRED_PACING])},
        "expired_by": {
            "timing": up(ends[End.EXPIRED_TIMING]),
            "pacing": up(ends[End.EXPIRED_PACING]),
        },
        "would_send": up(len(sent)),
        "would_send_by_channel": {
            c: up(n)
            for c, n in sorted(Counter(i.paid_by or channel_of(i.lane) for i in sent).items())
        },
        "spread": {
            "first": _iso(min((i.first for i in sent if i.first), default=None)),
            "last": last,
            "per_hour": _per_hour(sent, up),
        },
        "pacing": {"last_send": last, "lanes": [_lane(ln, items, up) for ln in lanes]},
        "sampled": sampled,
        "timed": timed,
        "sample": {"timed": timed, "reachable": reachable, "share": round(timed / reachable, 4)}
        if sampled
        else None,
        "figures": dict.fromkeys((*COUNTED, *LANE_COUNTED), "exact")
        | dict.fromkeys(TIMED, "extrapolated" if sampled else "exact"),
        "note": f"timed a sample of {timed} of {reachable} reachable recipients "
        f"({timed / reachable:.1%}); the figures `figures` marks extrapolated are scaled "
        "from it"
        if sampled
        else None,
    }


def _lane(lane: LaneForecast, items: Sequence[Item], up: Callable[[float], int]) -> dict[str, Any]:
    mine = [i for i in items if i.lane == lane.lane]
    sent = [i for i in mine if i.end == End.SENT]
    return {
        "channel": channel_of(lane.lane),
        "rate": lane.rate,
        "backlog": lane.backlog,
        "ahead": None if lane.ahead is None else round(lane.ahead),
        "sends": up(len(sent)),
        "expired": up(sum(1 for i in mine if i.end == End.EXPIRED_PACING)),
        "first": _iso(min((i.first for i in sent if i.first), default=None)),
        "last": _iso(max((i.last for i in sent if i.last), default=None)),
    }


def _per_hour(sent: Sequence[Item], up: Callable[[float], int]) -> list[dict[str, Any]]:
    hours = Counter(
        i.last.astimezone(UTC).replace(minute=0, second=0, microsecond=0) for i in sent if i.last
    )
    return [{"hour": h.isoformat(), "sends": up(n)} for h, n in sorted(hours.items())]


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None
