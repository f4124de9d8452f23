"""Table-driven tests of `rules.findings`: which findings an assessment raises, and the moves a
decision makes (every one reversible, none from a state to itself)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from rules.findings import (
    Decision,
    FindingState,
    moves_from,
    needs_evidence,
    next_state,
    raised,
)
from rules.model import (
    Assessment,
    Flag,
    IncidentState,
    Obligation,
    ObligationKind,
    Party,
    Severity,
    Status,
)

CST = timezone(timedelta(hours=8))
AT = datetime(2026, 11, 23, 0, 0, tzinfo=CST)
C, F, D = FindingState.CANDIDATE, FindingState.CONFIRMED, FindingState.DISMISSED


def _obligation(key: str, status: Status, party: Party = Party.UNIT) -> Obligation:
    return Obligation(
        key=key,
        kind=ObligationKind.INITIAL if key == "initial" else ObligationKind.UPWARD,
        party=party,
        owed_by="B" if party is Party.UNIT else "COUNTY",
        anchor_at=AT,
        due_at=AT,
        status=status,
    )


def _assessment(*obligations: Obligation, flags: tuple[Flag, ...] = ()) -> Assessment:
    return Assessment(
        obligations=obligations,
        state=IncidentState.OPEN,
        severity=Severity.III,
        clock_severity=Severity.III,
        flags=flags,
    )


@pytest.mark.parametrize(
    ("state", "decision", "to"),
    [
        (C, Decision.CONFIRM, F),
        (C, Decision.DISMISS, D),
        (C, Decision.REOPEN, None),
        (F, Decision.CONFIRM, None),
        (F, Decision.DISMISS, D),
        (F, Decision.REOPEN, C),
        (D, Decision.CONFIRM, F),
        (D, Decision.DISMISS, None),
        (D, Decision.REOPEN, C),
    ],
)
def test_every_decision_moves_to_another_state_and_can_be_taken_back(
    state: FindingState, decision: Decision, to: FindingState | None
) -> None:
    assert next_state(state, decision) is to
    assert (decision.value in [d.value for d in moves_from(state)]) is (to is not None)


def test_a_missed_unit_report_and_the_first_flag_of_each_kind_are_findings() -> None:
    flags = (
        Flag("under_graded", AT, 3, {"implied": "II", "stated": "III"}),
        Flag("under_graded", AT + timedelta(hours=1), 4, {"implied": "I", "stated": "III"}),
        Flag("chain_breach", AT, 3),
        Flag("concealment_suspected", AT, 5, {"minutes": 240}),
        Flag("after_chasing", AT, 5),  # a fact of the record, not a finding
    )
    found = raised(
        _assessment(
            _obligation("initial", Status.MISSED),
            _obligation("upward", Status.MISSED, Party.OFFICE),  # the office's own: not a unit's
            _obligation("written", Status.LATE),
            flags=flags,
        ),
        AT,
    )
    assert [(f.kind, f.key, f.obligation_key, f.filing_id) for f in found] == [
        ("missed", "missed:initial", "initial", None),
        ("under_graded", "under_graded", None, 3),
        ("chain_breach", "chain_breach", None, 3),
        ("concealment_suspected", "concealment_suspected", None, 5),
    ]
    assert found[1].params == {"implied": "II", "stated": "III"}


def test_nothing_missed_or_flagged_raises_nothing() -> None:
    assert raised(_assessment(_obligation("initial", Status.LATE)), AT) == []


def test_only_confirming_a_concealment_needs_evidence() -> None:
    assert needs_evidence("concealment_suspected", Decision.CONFIRM)
    assert not needs_evidence("concealment_suspected", Decision.DISMISS)
    assert not needs_evidence("missed", Decision.CONFIRM)
