""" "Still owed", defined once: not met and not waived; a missed report is owed all the same."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from rules.model import OWED_STATES, Status, still_owed

MET = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "met_at", "owed"),
    [
        (Status.PENDING, None, True),
        (Status.MISSED, None, True),
        ("pending", None, True),
        ("missed", None, True),
        (Status.MET, MET, False),
        (Status.LATE, MET, False),
        (Status.WAIVED, None, False),
        ("waived", None, False),
        (Status.PENDING, MET, False),  # met while the status is not settled yet
    ],
)
def test_still_owed(status, met_at, owed):
    assert still_owed(status, met_at) is owed


def test_owed_states_are_pending_and_missed():
    assert {Status.PENDING, Status.MISSED} == OWED_STATES
