"""The portal's charts: inline SVG that says in words what it shows, bars to scale, every
name escaped, nothing a strict CSP would block."""

import re

from herald.intake.http.portal.charts import Group, funnel, grouped
from herald.intake.http.portal.timechart import over_time


def widths(svg: str, kind: str) -> list[float]:
    return [float(w) for w in re.findall(rf'class="bar s-{kind}"[^>]*width="([\d.]+)"', svg)]


def test_the_funnel_draws_each_stage_as_its_share_of_sends() -> None:
    svg = funnel("f", "Request mkt-1", {"sent": 200, "delivered": 150, "read": 50, "clicked": 10})
    sent, delivered = widths(svg, "sent")[0], widths(svg, "delivered")[0]
    read, clicked = widths(svg, "read")[0], widths(svg, "clicked")[0]
    assert delivered / sent == 0.75 and read / sent == 0.25 and clicked / sent == 0.05
    assert 'role="img"' in svg and 'aria-labelledby="f-t f-d"' in svg
    assert '<desc id="f-d">Funnel: 200 sent, 150 delivered, 50 read, 10 clicked; 5.0% of' in svg
    assert "<title>clicked: 10 (5.0% of sent)</title>" in svg


def test_nothing_sent_draws_empty_bars_and_says_so() -> None:
    svg = funnel("f", "t", {})
    assert "0 sent, 0 delivered" in svg and "–" in svg
    assert "Nothing sent." in grouped("g", "By channel", [])


def test_names_are_escaped_and_no_inline_style_or_script_is_drawn() -> None:
    evil = '<script>alert(1)</script>" onload="x'
    svg = str(grouped("g", "By department", [Group(evil, {"sent": 3, "delivered": 1})]))
    assert "<script>" not in svg and '" onload="' not in svg
    assert "&lt;script&gt;" in svg
    assert "style=" not in svg and "on" + "load=" not in svg.replace("&#34; onload=", "")


def test_groups_share_one_scale() -> None:
    svg = grouped("g", "By channel", [Group("sms", {"sent": 10}), Group("email", {"sent": 5})])
    sms, email = widths(svg, "sent")
    assert sms == 2 * email


BUCKETS = [
    {"start": "2026-11-27T09:00:00+00:00", "sent": 10, "read_rate": 0.5, "click_rate": 0.1},
    {"start": "2026-11-27T10:00:00+00:00", "sent": 0, "read_rate": None, "click_rate": None},
    {"start": "2026-11-27T11:00:00+00:00", "sent": 5, "read_rate": 1.0, "click_rate": 0.0},
]


def test_over_time_draws_a_column_per_bucket_and_lines_only_where_rates_exist() -> None:
    svg = str(over_time("t", "By hour", BUCKETS, "hour"))
    assert widths(svg, "sent")[0] > 0 and len(widths(svg, "sent")) == 3
    read_line = re.search(r'class="line s-read" points="([^"]+)"', svg)
    assert read_line is not None and len(read_line.group(1).split()) == 2  # 10:00 has none
    assert "15 sends over 2 of 3 hours; the most, 10, on 27 Nov 09:00" in svg
    assert "<title>27 Nov 10:00: 0 sent, read rate –, click rate –</title>" in svg


def test_an_empty_range_says_nothing_was_sent() -> None:
    quiet = [{"start": "2026-11-27T00:00:00+00:00", "sent": 0, "read_rate": None,
              "click_rate": None}]  # fmt: skip
    svg = str(over_time("t", "By day", quiet, "day"))
    assert "Nothing was sent in these 1 days." in svg and "polyline" not in svg
