"""Per-person rate limits: when a message to one address on one channel may go, given when the
last ones went. Pure: send times and `now` in, a moment out."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta


def held_until(
    sent: Iterable[datetime], limits: Mapping[timedelta, int], now: datetime
) -> datetime | None:
    """None if a message may go now; else the moment the fullest window frees a place (at most
    `limits[window]` sends in any `window` before a send)."""
    times = sorted(sent)
    free_at: datetime | None = None
    for window, count in limits.items():
        recent = [t for t in times if t > now - window]
        if len(recent) >= count:
            moment = recent[len(recent) - count] + window
            free_at = moment if free_at is None else max(free_at, moment)
    return free_at
