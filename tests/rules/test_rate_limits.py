"""Per-person rate limits: a full window holds a message until its oldest send leaves it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from rules.rate_limits import held_until

NOW = datetime(2026, 11, 21, 4, 0, tzinfo=UTC)
MIN = timedelta(minutes=1)
LIMITS = {15 * MIN: 3, 60 * MIN: 7, 180 * MIN: 15}


def _ago(*minutes: int) -> list[datetime]:
    return [NOW - m * MIN for m in minutes]


@pytest.mark.parametrize(
    ("sent", "expected"),
    [
        ([], None),
        (_ago(10, 5), None),  # two in 15 minutes: a third may go
        (_ago(12, 10, 5), NOW + 3 * MIN),  # three: wait until the one 12 minutes ago is 15 old
        (_ago(20, 12, 10, 5), NOW + 3 * MIN),  # older ones do not count in the 15-minute window
        (_ago(55, 50, 45, 40, 30, 25, 20), NOW + 5 * MIN),  # seven in the hour: the 55 leaves
        (_ago(*range(170, 20, -10)), NOW + 10 * MIN),  # fifteen in three hours
    ],
)
def test_held_until_the_fullest_window_frees_a_place(
    sent: list[datetime], expected: datetime | None
) -> None:
    assert held_until(sent, LIMITS, NOW) == expected


def test_no_limits_hold_nothing() -> None:
    assert held_until(_ago(1, 1, 1), {}, NOW) is None
