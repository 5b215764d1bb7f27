"""Sends and rates over time as inline SVG: a column of sends per hour or day, and the
read and click rates of those sends as lines (right-hand scale, 0–100 %). Pure; the
conventions are those of `charts`."""

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape

from herald.intake.http.portal.charts import WIDTH, bar, svg, text

_H, _LEFT, _RIGHT, _TOP, _BOTTOM = 260, 48, 48, 16, 40


def _label(start: str, bucket: str) -> str:
    at = datetime.fromisoformat(start)
    return at.strftime("%d %b") if bucket == "day" else at.strftime("%d %b %H:00")


def over_time(
    chart_id: str, title: str, buckets: Sequence[Mapping[str, Any]], bucket: str
) -> Markup:
    """One column per bucket (sends), and a line each for read and click rates."""
    plot_w, plot_h = WIDTH - _LEFT - _RIGHT, _H - _TOP - _BOTTOM
    n = max(len(buckets), 1)
    step = plot_w / n
    top = max((b["sent"] for b in buckets), default=0) or 1
    base = _TOP + plot_h
    body = _axes(top, plot_w, base)
    lines: dict[str, list[str]] = {"read_rate": [], "click_rate": []}
    every = max(1, n // 8)
    for i, b in enumerate(buckets):
        x = _LEFT + i * step
        h = plot_h * b["sent"] / top
        tip = (
            f"{_label(b['start'], bucket)}: {b['sent']} sent, "
            f"read rate {_pct(b['read_rate'])}, click rate {_pct(b['click_rate'])}"
        )
        body.append(bar(x + step * 0.15, base - h, step * 0.7, h, "sent", tip))
        for rate, points in lines.items():
            if b[rate] is not None:
                cx, cy = x + step / 2, base - plot_h * b[rate]
                points.append(f"{cx:.1f},{cy:.1f}")
                body.append(_dot(cx, cy, rate, f"{_label(b['start'], bucket)}: {_pct(b[rate])}"))
        if i % every == 0:
            body.append(text(x + step / 2, base + 16, _label(b["start"], bucket), "tick", "middle"))
    for rate, points in lines.items():
        if points:
            kind = "read" if rate == "read_rate" else "clicked"
            body.append(f'<polyline class="line s-{kind}" points="{" ".join(points)}"/>')
    return svg(chart_id, title, _describe(buckets, bucket), _H, body)


def _dot(cx: float, cy: float, rate: str, tip: str) -> str:
    kind = "read" if rate == "read_rate" else "clicked"
    name = "read rate" if rate == "read_rate" else "click rate"
    return (
        f'<circle class="dot s-{kind}" cx="{cx:.1f}" cy="{cy:.1f}" r="4">'
        f"<title>{escape(name)}, {escape(tip)}</title></circle>"
    )


def _axes(top: int, plot_w: float, base: float) -> list[str]:
    right = _LEFT + plot_w
    return [
        f'<line class="axis" x1="{_LEFT}" y1="{_TOP}" x2="{_LEFT}" y2="{base}"/>',
        f'<line class="axis" x1="{_LEFT}" y1="{base}" x2="{right}" y2="{base}"/>',
        text(_LEFT - 6, _TOP + 8, str(top), "tick", "end"),
        text(_LEFT - 6, base, "0", "tick", "end"),
        text(right + 6, _TOP + 8, "100%", "tick"),
        text(right + 6, base, "0%", "tick"),
        text(_LEFT, _H - 4, "columns: sends", "legend"),
        text(_LEFT + 150, _H - 4, "line: read rate", "legend s-read-text"),
        text(_LEFT + 290, _H - 4, "line: click rate", "legend s-clicked-text"),
    ]


def _pct(rate: float | None) -> str:
    return "–" if rate is None else f"{100 * rate:.1f}%"


def _describe(buckets: Sequence[Mapping[str, Any]], bucket: str) -> str:
    busy = [b for b in buckets if b["sent"]]
    if not busy:
        return f"Nothing was sent in these {len(buckets)} {bucket}s."
    peak = max(busy, key=lambda b: b["sent"])
    return (
        f"{sum(b['sent'] for b in busy)} sends over {len(busy)} of {len(buckets)} {bucket}s; "
        f"the most, {peak['sent']}, on {_label(peak['start'], bucket)} "
        f"(read rate {_pct(peak['read_rate'])}, click rate {_pct(peak['click_rate'])})."
    )
