"""The information section's bulletins (通报): their periods and its own deadlines for them.

K14, the monthly bulletin of every unit's record, is due by a day of the following month (the
10th by default); K15, the quarterly one with the scores, by a day of the month after the quarter.
"By the 10th" means up to the end of that day, local time. The section's duty is the latest
period that has ended: pending until its due time, overdue after it, met or late once published.

Pure: dates, moments and what was published in; periods and duties out."""

from __future__ import annotations

import enum
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo


class Kind(enum.StrEnum):
    """月报 (K14) or 季报 (K15)."""

    MONTHLY = "monthly"
    QUARTERLY = "quarterly"


_MONTH = re.compile(r"(\d{4})-(\d{2})")
_QUARTER = re.compile(r"(\d{4})-Q([1-4])")


@dataclass(frozen=True)
class Period:
    """A calendar month or quarter: from `first`, up to (not including) `end`."""

    kind: Kind
    first: date
    end: date

    @property
    def key(self) -> str:
        """2026-11 for a month, 2026-Q4 for a quarter."""
        if self.kind is Kind.MONTHLY:
            return f"{self.first:%Y-%m}"
        return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"

    @property
    def last(self) -> date:
        """Its last day."""
        return self.end - timedelta(days=1)

    def previous(self) -> Period:
        """The period just before it."""
        return containing(self.kind, self.first - timedelta(days=1))


def containing(kind: Kind, day: date) -> Period:
    """The month or quarter `day` falls in."""
    if kind is Kind.MONTHLY:
        first = day.replace(day=1)
        return Period(kind, first, _months_after(first, 1))
    first = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
    return Period(kind, first, _months_after(first, 3))


def parse(kind: Kind, key: str) -> Period | None:
    """The period a key names (2026-11, 2026-Q4); None when it names none."""
    pattern = _MONTH if kind is Kind.MONTHLY else _QUARTER
    found = pattern.fullmatch(key.strip())
    if found is None:
        return None
    year, part = int(found.group(1)), int(found.group(2))
    if not 2000 <= year <= 2999 or (kind is Kind.MONTHLY and not 1 <= part <= 12):
        return None
    month = part if kind is Kind.MONTHLY else (part - 1) * 3 + 1
    return containing(kind, date(year, month, 1))


def due_at(period: Period, due_day: int, zone: tzinfo) -> datetime:
    """The end of the `due_day` of the month after the period, local time."""
    return datetime.combine(period.end.replace(day=due_day) + timedelta(days=1), time(), zone)


@dataclass(frozen=True)
class Duty:
    """The section's bulletin for a period, by when, and how it stands."""

    period: Period
    due_at: datetime
    published_at: datetime | None
    status: str  # pending | overdue | met | late


def duties(
    now: datetime,
    zone: tzinfo,
    due_days: Mapping[Kind, int],
    published: Mapping[tuple[Kind, str], datetime],
) -> list[Duty]:
    """For each kind, the latest period that has ended at `now` and its bulletin's standing;
    `published` holds when each (kind, period key) was published."""
    today = now.astimezone(zone).date()
    found = []
    for kind in Kind:
        period = containing(kind, today).previous()
        due = due_at(period, due_days[kind], zone)
        at = published.get((kind, period.key))
        if at is not None:
            status = "met" if at <= due else "late"
        else:
            status = "overdue" if now > due else "pending"
        found.append(Duty(period, due, at, status))
    return found


def _months_after(first: date, months: int) -> date:
    index = first.year * 12 + first.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)
