"""Dates as the dashboard's forms and links carry them."""

from __future__ import annotations

from datetime import date


def form_day(text: str | None) -> date | None:
    """A date as 2026-11-21, between 2000 and 2100 (far dates would overflow the arithmetic)."""
    try:
        day = date.fromisoformat(text) if text else None
    except ValueError:
        return None
    return day if day is not None and 2000 <= day.year <= 2100 else None
