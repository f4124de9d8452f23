"""rules/bulletins.py: the bulletins' periods and the section's K14/K15 deadlines."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from rules.bulletins import Kind, containing, due_at, duties, parse

ZONE = ZoneInfo("Asia/Shanghai")
DAYS = {Kind.MONTHLY: 10, Kind.QUARTERLY: 15}


def test_periods_are_calendar_months_and_quarters() -> None:
    november = containing(Kind.MONTHLY, date(2026, 11, 30))
    assert (november.first, november.end, november.key) == (
        date(2026, 11, 1),
        date(2026, 12, 1),
        "2026-11",
    )
    q4 = containing(Kind.QUARTERLY, date(2026, 11, 2))
    assert (q4.first, q4.end, q4.last, q4.key) == (
        date(2026, 10, 1),
        date(2027, 1, 1),
        date(2026, 12, 31),
        "2026-Q4",
    )
    assert containing(Kind.MONTHLY, date(2027, 1, 5)).previous().key == "2026-12"
    assert q4.previous().key == "2026-Q3"


def test_keys_parse_back_and_bad_ones_name_nothing() -> None:
    assert parse(Kind.MONTHLY, "2026-11") == containing(Kind.MONTHLY, date(2026, 11, 1))
    assert parse(Kind.QUARTERLY, " 2026-Q4 ") == containing(Kind.QUARTERLY, date(2026, 12, 1))
    for kind, key in (
        (Kind.MONTHLY, "2026-13"),
        (Kind.MONTHLY, "2026-00"),
        (Kind.MONTHLY, "2026-Q4"),
        (Kind.QUARTERLY, "2026-Q5"),
        (Kind.QUARTERLY, "2026-11"),
        (Kind.MONTHLY, "1999-01"),
        (Kind.MONTHLY, ""),
        (Kind.MONTHLY, "二〇二六年十一月"),
    ):
        assert parse(kind, key) is None, key


def test_by_the_tenth_means_to_the_end_of_the_tenth() -> None:
    november = containing(Kind.MONTHLY, date(2026, 11, 1))
    assert due_at(november, 10, ZONE) == datetime(2026, 12, 11, tzinfo=ZONE)
    q4 = containing(Kind.QUARTERLY, date(2026, 11, 1))
    assert due_at(q4, 15, ZONE) == datetime(2027, 1, 16, tzinfo=ZONE)


def test_the_sections_duty_is_the_latest_ended_period() -> None:
    now = datetime(2026, 12, 3, 9, tzinfo=ZONE)
    monthly, quarterly = duties(now, ZONE, DAYS, {})
    assert (monthly.period.key, monthly.status) == ("2026-11", "pending")
    assert (quarterly.period.key, quarterly.status) == ("2026-Q3", "overdue")  # due 10-16

    later = datetime(2026, 12, 11, 0, 1, tzinfo=ZONE)
    on_time = {(Kind.MONTHLY, "2026-11"): datetime(2026, 12, 10, 23, 59, tzinfo=ZONE)}
    assert duties(later, ZONE, DAYS, on_time)[0].status == "met"
    assert duties(later, ZONE, DAYS, {})[0].status == "overdue"
    late = {(Kind.QUARTERLY, "2026-Q3"): datetime(2026, 10, 16, 0, 0, 1, tzinfo=ZONE)}
    assert duties(later, ZONE, DAYS, late)[1].status == "late"
