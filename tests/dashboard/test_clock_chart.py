"""The incident page's clocks as bars: geometry from alerts/dashboard/charts.py, and the SVG on
the page with one bar per clock, its overrun and the moment it was met."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from alerts.dashboard.charts import LABEL_WIDTH, PLOT_WIDTH, clock_chart
from tests.builders import at, county, initial, seed_roster
from tests.dashboard.accounts import add_user, sign_in

ZONE = ZoneInfo("Asia/Shanghai")


@dataclass
class Clock:
    anchor_at: datetime
    due_at: datetime
    status: str
    met_at: datetime | None = None


def test_bars_run_from_anchor_to_due_with_the_overrun_and_the_met_mark() -> None:
    start = datetime(2026, 11, 21, 8, tzinfo=ZONE)
    clocks = [
        Clock(start, start + timedelta(hours=2), "met", start + timedelta(hours=1)),
        Clock(start, start + timedelta(hours=2), "late", start + timedelta(hours=3)),
        Clock(start + timedelta(hours=1), start + timedelta(hours=3), "pending"),
    ]
    now = start + timedelta(hours=4)
    chart = clock_chart(clocks, now, ZONE)
    assert chart is not None
    met, late, owed = chart.bars
    per_hour = PLOT_WIDTH / 4  # 08:00 to now, 12:00
    assert (met.x, met.width, met.met_x, met.over_width) == (
        LABEL_WIDTH,
        2 * per_hour,
        LABEL_WIDTH + per_hour,
        0.0,
    )
    assert (late.over_x, late.over_width, late.tone) == (
        LABEL_WIDTH + 2 * per_hour,
        per_hour,
        "late",
    )
    assert (owed.x, owed.tone, owed.met_x, owed.over_width) == (
        LABEL_WIDTH + per_hour,
        "overdue",
        None,
        per_hour,
    )
    assert chart.now_x == LABEL_WIDTH + PLOT_WIDTH
    ticks = [t.at.astimezone(ZONE) for t in chart.ticks]
    assert [(t.hour, t.minute) for t in ticks[::2]] == [(8, 0), (9, 0), (10, 0), (11, 0), (12, 0)]
    assert ticks[1] - ticks[0] == timedelta(minutes=30)
    assert clock_chart([], now, ZONE) is None


def test_ticks_fall_on_local_midnight_across_days() -> None:
    start = datetime(2026, 11, 21, 18, tzinfo=ZONE)
    chart = clock_chart([Clock(start, start + timedelta(days=2), "met", start)], start, ZONE)
    assert chart is not None and chart.now_x is None  # nothing owed: no now line
    dated = [t.at.astimezone(ZONE) for t in chart.ticks if t.dated]
    assert all(t.hour == 0 and t.minute == 0 for t in dated[1:])
    assert len(chart.ticks) <= 9


def test_the_incident_page_draws_each_clock(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    add_user(database_url, "desk", "duty_room", "county", at(0))
    assert sign_in(c.client, "desk").status_code == 303
    answer = c.post(initial(title="<b>标题</b>")).json()
    c.clock.set(at(15))
    html = c.client.get(f"/incidents/{answer['incident_id']}").text
    svg = re.search(r"<svg viewBox.*?</svg>", html, re.S)
    assert svg is not None
    bars = re.findall(r'<g class="bar tone-(\w+)">', svg.group(0))
    assert len(bars) == len(answer["obligations"])
    assert "met" in bars and "overdue" in bars  # K1 met at 09:10; K4 owed since 12:00
    assert 'class="met"' in svg.group(0) and 'class="now"' in svg.group(0)
    assert "时限进度图" in svg.group(0)
