"""Durations and times of day as config.toml writes them: `90s`, `30m`, `2h`, `1d`, `17:00`."""

from __future__ import annotations

import re
from datetime import time, timedelta

_PART = re.compile(r"(\d+)([dhms])")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> timedelta:
    """Parse `2h`, `30m`, `90s`, `1d` or a sum like `1h30m`; raise ValueError otherwise."""
    if not isinstance(text, str) or not re.fullmatch(r"(\d+[dhms])+", text.strip()):
        raise ValueError(f"not a duration (write like 90s, 30m, 2h, 1d): {text!r}")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(text.strip()))
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest config spelling of a duration, e.g. `1h30m`."""
    seconds = int(value.total_seconds())
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts)


def parse_time_of_day(text: str) -> time:
    """Parse `17:00`; raise ValueError otherwise."""
    match = (
        re.fullmatch(r"([01]?\d|2[0-3]):([0-5]\d)", text.strip()) if isinstance(text, str) else None
    )
    if not match:
        raise ValueError(f"not a time of day (write like 17:00): {text!r}")
    return time(int(match.group(1)), int(match.group(2)))
