"""China's official holidays and moved workdays (chinese-calendar), with config for years the
package does not know yet: `[roster] holidays` and `workdays` list dates the State Council
publishes each year; beyond both, weekends and the dates fixed by law (New Year's Day, Labour
Day, the first three days of October) are taken as holidays."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import date, timedelta

import chinese_calendar

log = logging.getLogger(__name__)
FIXED_BY_LAW = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}  # 全国年节及纪念日放假办法


class HolidayCalendar:
    """Answers whether a local date is a day off."""

    def __init__(self, holidays: Iterable[date] = (), workdays: Iterable[date] = ()) -> None:
        self.extra_holidays = frozenset(holidays)
        self.extra_workdays = frozenset(workdays)
        self._warned: set[int] = set()
        self._spans: dict[tuple[date, date], frozenset[date]] = {}

    def is_holiday(self, day: date) -> bool:
        """A public holiday or a weekend that is not a moved workday."""
        if day in self.extra_holidays:
            return True
        if day in self.extra_workdays:
            return False
        try:
            return bool(chinese_calendar.is_holiday(day))
        except NotImplementedError:
            if day.year not in self._warned:
                self._warned.add(day.year)
                log.warning(
                    "no official holiday calendar for %d: weekends only, plus [roster] "
                    "holidays and workdays",
                    day.year,
                )
            return day.weekday() >= 5 or (day.month, day.day) in FIXED_BY_LAW

    def holidays_between(self, first: date, last: date) -> frozenset[date]:
        """Every holiday from `first` to `last`, inclusive."""
        if (first, last) not in self._spans:  # asked for every step's roster look-up
            if len(self._spans) > 512:
                self._spans.clear()
            days = ((first + timedelta(days=n)) for n in range((last - first).days + 1))
            self._spans[(first, last)] = frozenset(d for d in days if self.is_holiday(d))
        return self._spans[(first, last)]
