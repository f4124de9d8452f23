"""The records page's pictures: each unit's on-time, late and missed counts as one stacked bar,
and the county month by month; the geometry (alerts/dashboard/charts.py) and the page's SVG."""

from __future__ import annotations

import re

from alerts.dashboard.charts import LABEL_WIDTH, PLOT_WIDTH, count_chart, trend_chart
from rules.compliance import UnitRecord
from tests.dashboard.test_records import as_user, scenario


def test_bars_share_one_scale_and_stack_in_order() -> None:
    chart = count_chart(
        [
            ("甲", UnitRecord("a", on_time=2, late=1, missed=1)),
            ("乙", UnitRecord("b", on_time=1, missed_candidates=1)),
            ("丙", UnitRecord("c")),
        ]
    )
    assert chart is not None and chart.most == 4
    first, second, third = chart.bars
    assert [(s.series, s.x, s.width) for s in first.segments] == [
        ("on_time", LABEL_WIDTH, PLOT_WIDTH / 2),
        ("late", LABEL_WIDTH + PLOT_WIDTH / 2, PLOT_WIDTH / 4),
        ("missed", LABEL_WIDTH + 3 * PLOT_WIDTH / 4, PLOT_WIDTH / 4),
    ]
    assert [s.series for s in second.segments] == ["on_time", "missed_candidates"]
    assert third.segments == () and third.total == 0
    assert count_chart([("丙", UnitRecord("c"))]) is None


def test_months_are_columns_scaled_to_the_busiest() -> None:
    chart = trend_chart(
        [("2026-10", UnitRecord("*", on_time=4)), ("2026-11", UnitRecord("*", late=2))]
    )
    assert chart is not None and chart.most == 4
    october, november = chart.months
    assert october.columns[0].height == 2 * november.columns[1].height
    assert trend_chart([("2026-11", UnitRecord("*"))]) is None


def test_the_records_page_draws_the_scenario(database_url: str) -> None:
    c = scenario(database_url)
    as_user(c, database_url, "duty", "duty_room", "county")
    html = c.client.get("/records").text
    counts = re.search(r'<figure class="chart count-chart">.*?</figure>', html, re.S)
    assert counts is not None
    titles = re.findall(r"<title>([^<]+)</title>", counts.group(0))
    assert {"千岛湖镇 · 按时 1", "千岛湖镇 · 迟报 1", "千岛湖镇 · 疑似漏报（待确认） 1"} <= set(
        titles
    )
    trend = re.search(r'<figure class="chart trend-chart">.*?</figure>', html, re.S)
    assert trend is not None
    assert "2026-11 · 按时 1" in trend.group(0) and "2026-11 · 迟报 1" in trend.group(0)
    assert ">25-12<" in trend.group(0) and ">26-11<" in trend.group(0)  # twelve months to this one
