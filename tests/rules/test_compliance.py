"""Table-driven tests of `rules.compliance`: what each finding counts as, which period it falls
in, and the §6 score (100 − 5·late − 10·missed − 20·concealed − 5·under-graded − 2·overdue
follow-up or final − 3·overdue feedback − 2·chain breach, not below 0)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from rules.compliance import (
    DutyCheckFact,
    FlagFact,
    IncidentFact,
    ObligationFact,
    Period,
    UnitRecord,
    Weights,
    duty_check_missed,
    overdue,
    score,
    unit_records,
)

CST = timezone(timedelta(hours=8))
NOV = Period(datetime(2026, 11, 1, tzinfo=CST), datetime(2026, 12, 1, tzinfo=CST))
NOW = datetime(2026, 11, 25, 12, tzinfo=CST)


def day(n: int, hour: int = 10) -> datetime:
    """A moment in November 2026."""
    return datetime(2026, 11, n, hour, tzinfo=CST)


def one(**facts: object) -> UnitRecord:
    """The record of unit `qdh` over November from the given facts."""
    return unit_records(["qdh"], period=NOV, now=NOW, **facts)[0]


def ob(kind: str = "initial", status: str = "met", due: int = 10, **more: object) -> ObligationFact:
    """An obligation of qdh due on November `due`."""
    return ObligationFact("qdh", kind, status, day(due), **more)


@pytest.mark.parametrize(
    ("obligation", "counted", "points"),
    [
        pytest.param(ob(), {"on_time": 1}, 0, id="met"),
        pytest.param(
            ob(status="late", late_minutes=60), {"late": 1, "late_minutes": 60}, 5, id="late-K1"
        ),
        pytest.param(
            ob("written", "late", late_minutes=20), {"late": 1, "late_minutes": 20}, 5, id="late-K2"
        ),
        pytest.param(
            ob("upward", "late", late_minutes=30), {"late": 1, "late_minutes": 30}, 5, id="late-K4"
        ),
        pytest.param(
            ob("followup", "late", late_minutes=40),
            {"overdue_followups": 1},
            2,
            id="late-followup-is-overdue-not-late",
        ),
        pytest.param(
            ob("final", "pending", due=20), {"overdue_followups": 1}, 2, id="final-owed-past-due"
        ),
        pytest.param(ob("final", "pending", due=28), {}, 0, id="final-not-yet-due"),
        pytest.param(ob("initial", "pending", due=20), {}, 0, id="initial-owed-is-not-yet-late"),
        pytest.param(ob(status="missed"), {"missed_candidates": 1}, 0, id="missed-candidate"),
        pytest.param(ob(status="missed", confirmed=True), {"missed": 1}, 10, id="missed-confirmed"),
        pytest.param(ob(status="missed", dismissed=True), {}, 0, id="missed-dismissed"),
        pytest.param(
            ob("instruction_feedback", "late"), {"overdue_feedback": 1}, 3, id="feedback-late"
        ),
        pytest.param(
            ob("instruction_feedback", "pending", due=20),
            {"overdue_feedback": 1},
            3,
            id="feedback-owed-past-due",
        ),
        pytest.param(ob("instruction_feedback", "pending", due=28), {}, 0, id="feedback-not-due"),
        pytest.param(
            ob("instruction_feedback", "missed", confirmed=True),
            {"overdue_feedback": 1},
            3,
            id="feedback-missed-is-overdue-feedback-not-a-missed-report",
        ),
        pytest.param(ob("instruction_ack", "late"), {}, 0, id="acknowledgement-late-unscored"),
        pytest.param(ob(status="waived"), {}, 0, id="waived"),
        pytest.param(
            ob(status="late", late_minutes=120, after_chasing=True),
            {"late": 1, "late_minutes": 120, "after_chasing": 1},
            5,
            id="after-chasing-counted-not-scored",
        ),
    ],
)
def test_each_obligation_counts_once_where_it_belongs(
    obligation: ObligationFact, counted: dict[str, int], points: int
) -> None:
    record = one(obligations=[obligation])
    assert record == UnitRecord("qdh", **counted, score=100 - points)


@pytest.mark.parametrize(
    ("code", "state", "counted", "points"),
    [
        ("under_graded", "candidate", {"under_graded_candidates": 1}, 0),
        ("under_graded", "confirmed", {"under_graded": 1}, 5),
        ("under_graded", "dismissed", {}, 0),
        ("chain_breach", "candidate", {"chain_breach_candidates": 1}, 0),
        ("chain_breach", "confirmed", {"chain_breaches": 1}, 2),
        ("chain_breach", "dismissed", {}, 0),
        ("concealment_suspected", "candidate", {"concealment_candidates": 1}, 0),
        ("concealment_suspected", "confirmed", {"concealed": 1}, 20),
        ("concealment_suspected", "dismissed", {}, 0),
        ("after_chasing", "candidate", {}, 0),  # counted from the obligation, not the flag
    ],
)
def test_flags_count_once_per_incident_and_only_when_confirmed(
    code: str, state: str, counted: dict[str, int], points: int
) -> None:
    flag = FlagFact(
        "qdh", 7, code, day(3), confirmed=state == "confirmed", dismissed=state == "dismissed"
    )
    record = one(flags=[flag, flag])
    assert record == UnitRecord("qdh", **counted, score=100 - points)


def test_the_period_holds_its_start_and_not_its_end() -> None:
    def late(due: datetime) -> ObligationFact:
        return ObligationFact("qdh", "initial", "late", due, late_minutes=5)

    record = one(
        obligations=[late(NOV.start), late(NOV.end), late(NOV.start - timedelta(seconds=1))],
        incidents=[IncidentFact("qdh", NOV.start), IncidentFact("qdh", NOV.end)],
    )
    assert (record.late, record.incidents) == (1, 1)


def test_units_keep_their_order_and_their_own_findings() -> None:
    records = unit_records(
        ["county", "qdh", "wsh"],
        period=NOV,
        now=NOW,
        obligations=[ob(status="late", late_minutes=60), ob(), ob(status="missed")],
        incidents=[IncidentFact("qdh", day(2)), IncidentFact("other", day(2))],
        flags=[FlagFact("wsh", 9, "chain_breach", day(4), confirmed=True)],
    )
    assert [r.unit for r in records] == ["county", "qdh", "wsh"]
    assert records[0] == UnitRecord("county")
    assert records[1] == UnitRecord(
        "qdh", incidents=1, on_time=1, late=1, late_minutes=60, missed_candidates=1, score=95
    )
    assert records[2] == UnitRecord("wsh", chain_breaches=1, score=98)


@pytest.mark.parametrize(
    ("answered", "now", "missed"),
    [
        pytest.param(day(5, 10), day(6), False, id="answered-in-time"),
        pytest.param(day(5, 11), day(6), True, id="answered-late-still-missed"),
        pytest.param(None, day(6), True, id="never-answered"),
        pytest.param(None, day(5, 9), False, id="still-waiting"),
    ],
)
def test_duty_checks_missed_are_recorded_not_scored(
    answered: datetime | None, now: datetime, missed: bool
) -> None:
    check = DutyCheckFact("qdh", day(5, 10), answered)
    assert duty_check_missed(check, now) is missed
    record = unit_records(["qdh"], period=NOV, now=now, checks=[check])[0]
    assert (record.duty_checks, record.duty_checks_missed, record.score) == (1, int(missed), 100)


def test_score_is_the_section_6_formula_and_never_below_zero() -> None:
    record = UnitRecord(
        "qdh",
        late=1,
        missed=1,
        concealed=1,
        under_graded=1,
        overdue_followups=1,
        overdue_feedback=1,
        chain_breaches=1,
        missed_candidates=9,
        concealment_candidates=9,
        after_chasing=9,
        duty_checks_missed=9,
    )
    assert score(record) == 100 - 5 - 10 - 20 - 5 - 2 - 3 - 2
    assert score(UnitRecord("qdh", missed=11)) == 0
    assert score(UnitRecord("qdh", late=1), Weights(late=7)) == 93


def test_overdue_means_late_or_owed_past_due() -> None:
    assert overdue(ob("followup", "late"), NOW)
    assert overdue(ob("followup", "pending", due=20), NOW)
    assert not overdue(ob("followup", "pending", due=28), NOW)
    assert not overdue(ob("followup", "met"), NOW)
