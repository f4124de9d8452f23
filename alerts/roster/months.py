"""Months and duty days as roster files count them: a month named like 2026-11, its days, and a
duty day from the configured change time (`day_starts_at`) to the same time the next day."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from alerts.config import Settings

_MONTH = re.compile(r"(\d{4})-(\d{2})")


def parse_month(text: str | None) -> date | None:
    """`2026-11` → 2026-11-01; None when it is not a month."""
    match = _MONTH.fullmatch((text or "").strip())
    if match is None or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
        return None
    return date(int(match[1]), int(match[2]), 1)


def month_days(month: date) -> list[date]:
    """Every day of the month `month` falls in."""
    first = month.replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [first + timedelta(days=n) for n in range((following - first).days)]


def day_span(settings: Settings, day: date) -> tuple[datetime, datetime]:
    """A duty day: from `day_starts_at` local time on `day` to the same time the next day, UTC."""
    zone, at = settings.rules.timezone, settings.roster.day_starts_at
    start = datetime.combine(day, at, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), at, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def month_span(settings: Settings, month: date) -> tuple[datetime, datetime]:
    """From the start of the month's first duty day to the end of its last, UTC."""
    days = month_days(month)
    return day_span(settings, days[0])[0], day_span(settings, days[-1])[1]
