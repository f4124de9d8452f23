"""Local-calendar arithmetic for deadlines such as "daily by 17:00" and "end of the next day"."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from rules.ruleset import Ruleset


def daily_deadline_after(moment: datetime, at: time, ruleset: Ruleset) -> datetime:
    """`at` o'clock local time on the calendar day after `moment`'s local day, in UTC."""
    local_day = moment.astimezone(ruleset.timezone).date() + timedelta(days=1)
    return datetime.combine(local_day, at, tzinfo=ruleset.timezone).astimezone(UTC)


def end_of_local_day(moment: datetime, days_after: int, ruleset: Ruleset) -> datetime:
    """The local midnight that ends the day `days_after` days after `moment`'s local day, in UTC."""
    local_day = moment.astimezone(ruleset.timezone).date() + timedelta(days=days_after + 1)
    return datetime.combine(local_day, time(0), tzinfo=ruleset.timezone).astimezone(UTC)
