"""Charts as inline SVG, drawn on the server: no script, no style attribute (the page's
CSP allows neither), colours from the stylesheet's classes. Pure.

Each chart is an `<svg role="img">` with a `<title>` and a `<desc>` that says in words
what it shows; every bar carries its own `<title>` (the browser's tooltip), and the pages
put a table with the same figures beside each chart.
"""

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

STAGES = ("sent", "delivered", "read", "clicked")
"""The funnel, in order; `read` counts deliveries opened or read (as tracker's read rate)."""
WIDTH = 640
_LABEL_W = 120


@dataclass(frozen=True)
class Group:
    """One group of bars (a channel, a department): a value per stage."""

    name: str
    values: dict[str, int]


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f}%" if whole else "–"


def svg(chart_id: str, title: str, desc: str, height: int, body: list[str]) -> Markup:
    t, d = escape(title), escape(desc)
    head = (
        f'<svg class="chart" role="img" viewBox="0 0 {WIDTH} {height}" width="{WIDTH}" '
        f'height="{height}" aria-labelledby="{chart_id}-t {chart_id}-d" '
        f'xmlns="http://www.w3.org/2000/svg">'
        f'<title id="{chart_id}-t">{t}</title><desc id="{chart_id}-d">{d}</desc>'
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every text escaped above


def bar(x: float, y: float, w: float, h: float, kind: str, tip: str) -> str:
    return (
        f'<rect class="bar s-{kind}" x="{x:.1f}" y="{y:.1f}" width="{max(w, 0.5):.1f}" '
        f'height="{h:.1f}"><title>{escape(tip)}</title></rect>'
    )


def text(x: float, y: float, text: str, cls: str = "label", anchor: str = "start") -> str:
    return (
        f'<text class="{cls}" x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}">{escape(text)}</text>'
    )


def funnel(chart_id: str, title: str, counts: dict[str, int]) -> Markup:
    """Sent → delivered → read → clicked, each bar as wide as its share of sent."""
    sent = counts.get("sent", 0)
    words = ", ".join(f"{counts.get(s, 0)} {s}" for s in STAGES)
    desc = f"Funnel: {words}" + (
        f"; {percent(counts.get('clicked', 0), sent)} of sends were clicked." if sent else "."
    )
    span, row = WIDTH - _LABEL_W - 150, 40
    body = []
    for i, stage in enumerate(STAGES):
        n, y = counts.get(stage, 0), 10 + i * row
        width = span * n / sent if sent else 0
        tip = f"{stage}: {n} ({percent(n, sent)} of sent)"
        body.append(text(0, y + 20, stage.capitalize()))
        body.append(bar(_LABEL_W, y, width, row - 12, stage, tip))
        body.append(text(_LABEL_W + width + 8, y + 20, f"{n}  ({percent(n, sent)})", "value"))
    return svg(chart_id, title, desc, 10 + row * len(STAGES), body)


def grouped(chart_id: str, title: str, groups: Sequence[Group]) -> Markup:
    """For each group (channel, department), one bar per funnel stage, on one scale."""
    top = max((g.values.get(s, 0) for g in groups for s in STAGES), default=0)
    bar_h, gap = 12, 18
    block = bar_h * len(STAGES) + gap
    span = WIDTH - _LABEL_W - 70
    body = [_legend(0, 12)]
    for i, g in enumerate(groups):
        y0 = 28 + i * block
        body.append(text(0, y0 + 2 * bar_h + 4, g.name))
        for j, stage in enumerate(STAGES):
            n = g.values.get(stage, 0)
            width = span * n / top if top else 0
            y = y0 + j * bar_h
            body.append(bar(_LABEL_W, y, width, bar_h - 2, stage, f"{g.name}, {stage}: {n}"))
            body.append(text(_LABEL_W + width + 6, y + bar_h - 3, str(n), "value small"))
    words = "; ".join(
        f"{g.name}: " + ", ".join(f"{g.values.get(s, 0)} {s}" for s in STAGES) for g in groups
    )
    return svg(chart_id, title, words or "Nothing sent.", 28 + block * max(len(groups), 1), body)


def _legend(x: float, y: float) -> str:
    parts = []
    for i, stage in enumerate(STAGES):
        at = x + i * 110
        parts.append(f'<rect class="s-{stage}" x="{at}" y="{y - 9}" width="10" height="10"/>')
        parts.append(text(at + 14, y, stage, "legend"))
    return "".join(parts)
