"""Table-driven tests of `rules.obligations.assess`: which clocks run, from when, how they stand.

Times are Asia/Shanghai on 2026-11-21 unless a `day=` says otherwise (see builders.at)."""

from __future__ import annotations

from datetime import UTC, timedelta

import pytest

from rules.chain import ReportAbove
from rules.model import Category, Chase, IncidentState, Party, Severity, Status, Waiver
from tests.rules.builders import (
    assess_at,
    at,
    casualties,
    flag_codes,
    keys,
    obligation,
    office_final,
    office_followup,
    phone,
    register,
    unit_final,
    unit_followup,
    unit_initial,
    upward,
)

DAY2, DAY3 = 22, 23


# -- K1, K4, K5 per grade -----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("learned_at", "anchor", "due"),
    [
        pytest.param(at(8, 20), at(8, 20), at(10, 20), id="from-learned_at"),
        pytest.param(None, at(8, 0), at(10, 0), id="no-learned_at-from-occurred_at"),
        pytest.param(at(8, 0), at(8, 0), at(10, 0), id="learned-at-occurrence"),
    ],
)
def test_k1_counts_from_learned_at_else_occurrence(learned_at, anchor, due):
    a = assess_at(at(9, 0), unit_initial(at(9, 0), occurred_at=at(8, 0), learned_at=learned_at))

    k1 = obligation(a, "initial")
    assert k1.anchor_at == anchor
    assert k1.due_at == due


GRADE_TABLE = [
    # severity, sensitive, category, clock grade, K1 due, K4 due (None: not owed), follow-up 1 due
    pytest.param(
        Severity.I,
        False,
        Category.ACCIDENT,
        Severity.I,
        at(10, 20),
        at(12, 0),
        at(13, 30),
        id="I",
    ),
    pytest.param(
        Severity.II,
        False,
        Category.ACCIDENT,
        Severity.II,
        at(10, 20),
        at(12, 0),
        at(13, 30),
        id="II",
    ),
    pytest.param(
        Severity.III,
        False,
        Category.ACCIDENT,
        Severity.III,
        at(10, 20),
        at(12, 0),
        at(13, 30),
        id="III",
    ),
    pytest.param(
        Severity.IV,
        False,
        Category.ACCIDENT,
        Severity.IV,
        at(14, 20),
        None,
        at(17, 0, day=DAY2),
        id="IV-6h-no-K4-daily-followup",
    ),
    pytest.param(
        Severity.IV,
        True,
        Category.ACCIDENT,
        Severity.III,
        at(10, 20),
        at(12, 0),
        at(13, 30),
        id="sensitive-IV-on-III-clocks-owes-K4",
    ),
    pytest.param(
        Severity.II,
        True,
        Category.ACCIDENT,
        Severity.II,
        at(10, 20),
        at(12, 0),
        at(13, 30),
        id="sensitive-II-stays-II",
    ),
    pytest.param(
        None,
        False,
        Category.SOCIAL_SAFETY,
        Severity.III,
        at(10, 20),
        at(12, 0),
        at(13, 30),
        id="ungraded-social-safety-on-III",
    ),
]


@pytest.mark.parametrize(
    ("severity", "sensitive", "category", "clock", "k1_due", "k4_due", "f1_due"), GRADE_TABLE
)
def test_clocks_per_grade(severity, sensitive, category, clock, k1_due, k4_due, f1_due):
    report = unit_initial(
        at(9, 30),
        occurred_at=at(8, 0),
        learned_at=at(8, 20),
        severity=severity,
        sensitive=sensitive,
        category=category,
    )
    a = assess_at(at(9, 30), report)

    assert a.severity is severity
    assert a.clock_severity is clock
    assert obligation(a, "initial").due_at == k1_due
    if k4_due is None:
        assert "upward" not in keys(a)
    else:
        k4 = obligation(a, "upward")
        assert k4.anchor_at == at(8, 0)
        assert k4.due_at == k4_due
    assert obligation(a, "followup:unit:1").due_at == f1_due


# -- phone logs and K2 --------------------------------------------------------------------------
def test_incomplete_phone_log_does_not_meet_k1_nor_start_k2():
    a = assess_at(at(9, 0), phone(at(8, 30), complete=False))

    k1 = obligation(a, "initial")
    assert k1.status is Status.PENDING
    assert k1.met_at is None
    assert "written" not in keys(a)


def test_written_report_after_incomplete_phone_meets_k1():
    call = phone(at(8, 30), complete=False)
    written = unit_initial(at(9, 50))
    a = assess_at(at(9, 50), call, written)

    k1 = obligation(a, "initial")
    assert k1.status is Status.MET
    assert k1.met_by == written.id


@pytest.mark.parametrize(
    ("phone_at", "k1_status", "k2_due"),
    [
        pytest.param(at(8, 30), Status.MET, at(10, 0), id="early-phone-K2-at-K1-due"),
        pytest.param(at(9, 30), Status.MET, at(10, 30), id="late-phone-K2-phone-plus-1h"),
        pytest.param(at(10, 30), Status.LATE, at(11, 30), id="phone-after-K1-due"),
    ],
)
def test_complete_phone_meets_k1_and_starts_k2(phone_at, k1_status, k2_due):
    call = phone(phone_at, occurred_at=at(8, 0), learned_at=at(8, 0))
    a = assess_at(phone_at, call)

    k1 = obligation(a, "initial")
    assert k1.due_at == at(10, 0)
    assert k1.status is k1_status
    assert k1.met_by == call.id

    k2 = obligation(a, "written")
    assert k2.kind.value == "written"
    assert k2.party is Party.UNIT
    assert k2.anchor_at == phone_at
    assert k2.due_at == k2_due
    assert k2.status is Status.PENDING
    # a phone log is not a written report: no follow-up clock yet
    assert "followup:unit:1" not in keys(a)


# -- K5 follow-ups ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("report_at", "due"),
    [
        pytest.param(at(9, 10), at(17, 0, day=DAY2), id="morning-report"),
        pytest.param(at(17, 30), at(17, 0, day=DAY2), id="after-17:00"),
        pytest.param(at(23, 30), at(17, 0, day=DAY2), id="23:30-local"),
        # 00:10 local on day 2 is 16:10 UTC on day 1: the deadline follows the local calendar
        pytest.param(at(0, 10, day=DAY2).astimezone(UTC), at(17, 0, day=DAY3), id="00:10-local"),
    ],
)
def test_iv_followups_daily_by_17_00_local_on_the_day_after_the_last_report(report_at, due):
    report = unit_initial(report_at, occurred_at=report_at, severity=Severity.IV)
    a = assess_at(report_at, report)

    f1 = obligation(a, "followup:unit:1")
    assert f1.anchor_at == report_at
    assert f1.due_at == due


def test_iv_followup_chain_moves_to_the_day_after_each_report():
    a = assess_at(
        at(16, 0, day=DAY2),
        unit_initial(at(9, 10), severity=Severity.IV),
        unit_followup(at(16, 0, day=DAY2)),
    )

    assert obligation(a, "followup:unit:1").status is Status.MET
    assert obligation(a, "followup:unit:2").due_at == at(17, 0, day=DAY3)


def test_followups_are_numbered_per_party():
    a = assess_at(
        at(20, 0),
        unit_initial(at(9, 10)),
        upward(at(11, 0)),
        unit_followup(at(12, 0)),
        unit_followup(at(15, 0)),
        office_followup(at(14, 0)),
        unit_followup(at(19, 0)),
    )

    unit_series = [o for o in a.obligations if o.key.startswith("followup:unit:")]
    assert [o.key for o in unit_series] == [f"followup:unit:{n}" for n in (1, 2, 3, 4)]
    assert [o.number for o in unit_series] == [1, 2, 3, 4]
    assert [o.status for o in unit_series] == [Status.MET] * 3 + [Status.PENDING]
    assert obligation(a, "followup:unit:4").due_at == at(23, 0)

    office_series = [o for o in a.obligations if o.key.startswith("followup:office:")]
    assert [(o.key, o.number, o.status) for o in office_series] == [
        ("followup:office:1", 1, Status.MET),
        ("followup:office:2", 2, Status.PENDING),
    ]
    assert obligation(a, "followup:office:2").due_at == at(18, 0)


# -- grade changes ------------------------------------------------------------------------------
def _iv_then_raised_at(raised_at):
    return [
        unit_initial(at(8, 10), occurred_at=at(8, 0), severity=Severity.IV),
        unit_followup(raised_at, severity=Severity.III),
    ]


@pytest.mark.parametrize(
    ("upward_at", "status", "late_minutes"),
    [
        pytest.param(at(13, 20), Status.MET, None, id="met-within-grace"),
        pytest.param(at(13, 30), Status.MET, None, id="met-at-grace-end"),
        pytest.param(at(13, 45), Status.LATE, 15, id="late-counted-from-grace-end"),
    ],
)
def test_raise_after_k4_normal_due_gives_grace(upward_at, status, late_minutes):
    filings = _iv_then_raised_at(at(13, 0))
    before = assess_at(at(12, 59), *filings)
    assert "upward" not in keys(before)

    a = assess_at(upward_at, *filings, upward(upward_at))
    k4 = obligation(a, "upward")
    assert k4.anchor_at == at(8, 0)
    assert k4.due_at == at(13, 30)  # occurrence + 4 h (12:00) had passed: change + 30 min
    assert k4.grace_after_raise is True
    assert k4.status is status
    assert k4.late_minutes == late_minutes
    assert a.clock_severity is Severity.III


def test_raise_before_k4_normal_due_uses_the_normal_due_time():
    a = assess_at(at(10, 0), *_iv_then_raised_at(at(10, 0)))

    k4 = obligation(a, "upward")
    assert k4.due_at == at(12, 0)
    assert k4.grace_after_raise is False


@pytest.mark.parametrize(
    ("raised_at", "due", "grace"),
    [
        pytest.param(at(11, 0), at(12, 10), False, id="4h-from-last-report-still-ahead"),
        pytest.param(at(13, 0), at(13, 30), True, id="4h-from-last-report-passed-grace"),
    ],
)
def test_raise_replans_the_pending_followup(raised_at, due, grace):
    initial = unit_initial(at(8, 10), occurred_at=at(8, 0), severity=Severity.IV)
    before = assess_at(at(9, 0), initial)
    assert obligation(before, "followup:unit:1").due_at == at(17, 0, day=DAY2)

    a = assess_at(raised_at, initial, register(raised_at, severity=Severity.III))
    f1 = obligation(a, "followup:unit:1")
    assert f1.anchor_at == at(8, 10)
    assert f1.due_at == due
    assert f1.grace_after_raise is grace
    assert f1.status is Status.PENDING


def test_raise_by_sensitive_toggle_makes_k4_owed():
    a = assess_at(
        at(10, 0),
        unit_initial(at(8, 10), occurred_at=at(8, 0), severity=Severity.IV),
        unit_followup(at(10, 0), sensitive=True),
    )

    assert a.clock_severity is Severity.III
    assert obligation(a, "upward").due_at == at(12, 0)


def test_lowering_waives_a_k4_not_yet_late():
    a = assess_at(
        at(10, 0),
        unit_initial(at(8, 10), occurred_at=at(8, 0), severity=Severity.III),
        unit_followup(at(10, 0), severity=Severity.IV),
    )

    k4 = obligation(a, "upward")
    assert k4.status is Status.WAIVED
    assert k4.reason == "grade_lowered"
    assert a.clock_severity is Severity.IV
    # the follow-up clock relaxes from then on
    assert obligation(a, "followup:unit:2").due_at == at(17, 0, day=DAY2)


def test_lowering_keeps_an_overdue_k4_owed_and_late():
    filings = [
        unit_initial(at(8, 10), occurred_at=at(8, 0), severity=Severity.III),
        unit_followup(at(13, 0), severity=Severity.IV),
    ]

    pending = obligation(assess_at(at(13, 30), *filings), "upward")
    assert pending.status is Status.PENDING
    assert pending.due_at == at(12, 0)

    late = obligation(assess_at(at(14, 0), *filings, upward(at(14, 0))), "upward")
    assert late.status is Status.LATE
    assert late.late_minutes == 120


def test_lowering_waives_the_office_followup_not_yet_due():
    a = assess_at(
        at(12, 0),
        unit_initial(at(8, 10), occurred_at=at(8, 0), severity=Severity.III),
        upward(at(10, 0)),
        unit_followup(at(12, 0), severity=Severity.IV),
    )

    f1 = obligation(a, "followup:office:1")
    assert f1.status is Status.WAIVED
    assert f1.reason == "grade_lowered"


# -- K6 change ----------------------------------------------------------------------------------
def test_unit_followup_with_risen_casualties_after_upward_owes_office_change():
    a = assess_at(
        at(12, 0),
        unit_initial(at(9, 10), casualties=casualties(1)),
        upward(at(11, 0)),
        unit_followup(at(12, 0), casualties=casualties(2)),
    )

    k6 = obligation(a, "change:office:1")
    assert k6.party is Party.OFFICE
    assert k6.number == 1
    assert k6.anchor_at == at(12, 0)
    assert k6.due_at == at(13, 0)
    assert k6.status is Status.PENDING


@pytest.mark.parametrize(
    ("followup_figures", "changed"),
    [
        pytest.param(casualties(2), True, id="dead-rose"),
        pytest.param(casualties(1, injured=4), True, id="injured-rose"),
        pytest.param(casualties(1), False, id="same-figures"),
        pytest.param(None, False, id="no-figures-stated"),
        pytest.param(casualties("unknown"), False, id="dead-now-unknown"),
    ],
)
def test_office_change_only_when_figures_rise(followup_figures, changed):
    a = assess_at(
        at(12, 0),
        unit_initial(at(9, 10), casualties=casualties(1)),
        upward(at(11, 0)),
        unit_followup(at(12, 0), casualties=followup_figures),
    )

    assert ("change:office:1" in keys(a)) is changed


def test_no_office_change_before_the_office_has_reported_upward():
    a = assess_at(
        at(10, 0),
        unit_initial(at(9, 10), casualties=casualties(1)),
        unit_followup(at(10, 0), casualties=casualties(3)),
    )

    assert not any(k.startswith("change:") for k in keys(a))


def test_office_change_is_met_by_its_next_report_and_numbered():
    a = assess_at(
        at(15, 0),
        unit_initial(at(9, 10), casualties=casualties(1)),
        upward(at(11, 0)),
        unit_followup(at(12, 0), casualties=casualties(2)),
        office_followup(at(12, 40)),
        unit_followup(at(14, 0), material_change=True),
    )

    first = obligation(a, "change:office:1")
    assert first.status is Status.MET
    assert first.met_at == at(12, 40)
    second = obligation(a, "change:office:2")
    assert second.number == 2
    assert second.due_at == at(15, 0)


def test_register_with_higher_casualties_than_the_unit_reported_owes_unit_change():
    a = assess_at(
        at(11, 0),
        unit_initial(at(9, 10), casualties=casualties(1)),
        register(at(11, 0), casualties=casualties(3)),
    )

    k6 = obligation(a, "change:unit:1")
    assert k6.party is Party.UNIT
    assert k6.owed_by == "B"
    assert k6.due_at == at(12, 0)
    # the unit's next report meets it
    b = assess_at(
        at(11, 50),
        unit_initial(at(9, 10), casualties=casualties(1)),
        register(at(11, 0), casualties=casualties(3)),
        unit_followup(at(11, 50), casualties=casualties(3)),
    )
    assert obligation(b, "change:unit:1").status is Status.MET


def test_register_with_the_same_casualties_owes_nothing():
    a = assess_at(
        at(11, 0),
        unit_initial(at(9, 10), casualties=casualties(1)),
        register(at(11, 0), casualties=casualties(1)),
    )

    assert "change:unit:1" not in keys(a)


# -- reopening a closed incident ----------------------------------------------------------------
def _closed(subtype=None):
    return [
        unit_initial(at(9, 10), casualties=casualties(1), subtype=subtype),
        upward(at(11, 0)),
        unit_final(at(10, 0, day=DAY2), casualties=casualties(1)),
        office_final(at(11, 0, day=DAY2)),
    ]


def test_closed_incident_is_closed():
    a = assess_at(at(12, 0, day=DAY2), *_closed())

    assert a.state is IncidentState.CLOSED
    assert a.reopened is False


@pytest.mark.parametrize(
    ("subtype", "days_after_closing", "reopens"),
    [
        pytest.param(None, 29, True, id="general-within-30d"),
        pytest.param(None, 31, False, id="general-after-30d"),
        pytest.param("road_traffic", 6, True, id="road-traffic-within-7d"),
        pytest.param("road_traffic", 8, False, id="road-traffic-after-7d"),
        pytest.param("fire", 8, False, id="fire-after-7d"),
    ],
)
def test_register_with_risen_casualties_reopens_within_the_update_window(
    subtype, days_after_closing, reopens
):
    when = at(10, 0, day=DAY2) + timedelta(days=days_after_closing)
    a = assess_at(when, *_closed(subtype), register(when, casualties=casualties(2)))

    assert a.reopened is reopens
    if reopens:
        k6 = obligation(a, "change:unit:1")
        assert k6.due_at == when + timedelta(hours=1)
        assert k6.status is Status.PENDING
        assert a.state is not IncidentState.CLOSED
    else:
        assert "change:unit:1" not in keys(a)
        assert a.state is IncidentState.CLOSED


def test_reopened_incident_is_open():
    """docs/rules.md: a casualty change inside the update window reopens the incident.

    Regression: the engine once answered handling_finished here."""
    when = at(10, 0, day=DAY3)
    a = assess_at(when, *_closed(), register(when, casualties=casualties(2)))

    assert a.reopened is True
    assert a.state is IncidentState.OPEN


# -- waivers ------------------------------------------------------------------------------------
def _registered_then_unit_at(report_at=None):
    filings = [
        register(at(9, 0), occurred_at=at(8, 0), category=Category.ACCIDENT, severity=Severity.III)
    ]
    if report_at is not None:
        filings.append(unit_initial(report_at))
    return filings


@pytest.mark.parametrize(
    ("now", "status", "reason"),
    [
        pytest.param(at(10, 59), Status.PENDING, None, id="before-the-waiver"),
        pytest.param(at(11, 0), Status.WAIVED, "reported by police", id="from-the-waiver"),
    ],
)
def test_waiver_turns_a_pending_obligation_waived(now, status, reason):
    a = assess_at(
        now,
        *_registered_then_unit_at(),
        waivers=[Waiver("initial", at(11, 0), "reported by police")],
    )

    k1 = obligation(a, "initial")
    assert k1.status is status
    assert k1.reason == reason


def test_waiver_never_turns_a_met_obligation_waived():
    a = assess_at(
        at(12, 0),
        *_registered_then_unit_at(at(9, 30)),
        waivers=[Waiver("initial", at(11, 0), "duplicate")],
    )

    k1 = obligation(a, "initial")
    assert k1.status is Status.MET
    assert k1.reason is None


def test_waiver_for_another_key_changes_nothing():
    a = assess_at(
        at(12, 0), *_registered_then_unit_at(), waivers=[Waiver("upward", at(11, 0), "n/a")]
    )

    assert obligation(a, "initial").status is Status.PENDING
    assert obligation(a, "upward").status is Status.WAIVED


def test_waived_k1_does_not_become_missed_at_the_cutoff():
    a = assess_at(
        at(0, 0, day=DAY3),
        *_registered_then_unit_at(),
        waivers=[Waiver("initial", at(11, 0), "duplicate of incident 7")],
    )

    assert obligation(a, "initial").status is Status.WAIVED


def test_a_report_after_the_waiver_does_not_make_the_waived_obligation_late():
    """A waived obligation is not owed (docs/api.md), so a later report cannot make it late.

    Regression: the engine once dropped the waiver when a report followed and charged K1 late."""
    a = assess_at(
        at(13, 0),
        *_registered_then_unit_at(at(12, 0)),
        waivers=[Waiver("initial", at(11, 0), "reported by police")],
    )

    k1 = obligation(a, "initial")
    assert k1.status is Status.WAIVED
    assert k1.late_minutes is None


# -- chases -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("chase", "after_chasing"),
    [
        pytest.param(Chase("initial", at(10, 30)), True, id="chased-before-late-report"),
        pytest.param(Chase("initial", at(11, 30)), False, id="chased-after-report"),
        pytest.param(Chase("upward", at(10, 30)), False, id="other-obligation-chased"),
    ],
)
def test_chase_before_a_late_report_counts_as_after_chasing(chase, after_chasing):
    a = assess_at(
        at(12, 0),
        unit_initial(at(11, 0), occurred_at=at(8, 0)),
        chases=[chase],
    )

    k1 = obligation(a, "initial")
    assert k1.status is Status.LATE
    assert k1.after_chasing is after_chasing
    assert ("after_chasing" in flag_codes(a)) is after_chasing


def test_chase_applies_to_followups_too():
    a = assess_at(
        at(14, 0),
        unit_initial(at(9, 10)),
        unit_followup(at(14, 0)),
        chases=[Chase("followup:unit:1", at(13, 40))],
    )

    f1 = obligation(a, "followup:unit:1")
    assert f1.status is Status.LATE
    assert f1.late_minutes == 50
    assert f1.after_chasing is True


# -- flags --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("category", "figures", "stated", "implied"),
    [
        pytest.param(Category.ACCIDENT, casualties(12), Severity.III, "II", id="12-dead-as-III"),
        pytest.param(Category.ACCIDENT, casualties(30), Severity.II, "I", id="30-dead-as-II"),
        pytest.param(Category.ACCIDENT, casualties(3), Severity.IV, "III", id="3-dead-as-IV"),
        pytest.param(
            Category.ACCIDENT,
            casualties(0, seriously_injured=10),
            Severity.IV,
            "III",
            id="10-seriously-injured-as-IV",
        ),
        pytest.param(Category.ACCIDENT, casualties(2), Severity.IV, None, id="2-dead-as-IV"),
        pytest.param(Category.ACCIDENT, casualties(9), Severity.III, None, id="9-dead-as-III"),
        pytest.param(Category.ACCIDENT, casualties(12), Severity.II, None, id="12-dead-as-II"),
        pytest.param(
            Category.ACCIDENT, casualties("unknown"), Severity.IV, None, id="unknown-dead"
        ),
        pytest.param(
            Category.NATURAL_DISASTER, casualties(12), Severity.III, None, id="not-an-accident"
        ),
    ],
)
def test_under_graded_flag(category, figures, stated, implied):
    report = unit_initial(at(9, 10), category=category, severity=stated, casualties=figures)
    a = assess_at(at(9, 10), report)

    found = [f for f in a.flags if f.code == "under_graded"]
    if implied is None:
        assert found == []
    else:
        assert len(found) == 1
        assert found[0].filing_id == report.id
        assert found[0].params == {"implied": implied, "stated": stated.value}
        assert found[0].implied_severity is Severity(implied)
        assert a.severity is stated  # a flag, not a silent regrade


def test_under_graded_on_a_followup_whose_figures_rise():
    a = assess_at(
        at(12, 0),
        unit_initial(at(9, 10), casualties=casualties(2)),
        unit_followup(at(12, 0), casualties=casualties(12)),
    )

    assert flag_codes(a).count("under_graded") == 1


@pytest.mark.parametrize(
    ("reported_above_at", "breach"),
    [
        pytest.param(at(9, 0), True, id="city-before-county"),
        pytest.param(at(9, 10), False, id="same-moment"),
        pytest.param(at(9, 30), False, id="county-first"),
        pytest.param(None, False, id="not-reported-above"),
    ],
)
def test_chain_breach_when_reported_above_before_the_county(reported_above_at, breach):
    above = () if reported_above_at is None else (ReportAbove(reported_above_at),)
    report = unit_initial(at(9, 10), reported_above=above)
    a = assess_at(at(9, 30), report)

    assert ("chain_breach" in flag_codes(a)) is breach
    if breach:
        assert next(f for f in a.flags if f.code == "chain_breach").filing_id == report.id


def test_a_report_above_after_the_county_first_heard_is_no_breach_when_a_later_filing_lists_it():
    """The county had the initial at 09:10; the follow-up at 12:00 says the city was told at
    10:00. The county knew first, so the chain held."""
    a = assess_at(
        at(12, 0),
        unit_initial(at(9, 10)),
        unit_followup(at(12, 0), reported_above=(ReportAbove(at(10, 0)),)),
    )

    assert "chain_breach" not in flag_codes(a)


def test_a_chain_breach_is_flagged_once_however_often_the_unit_repeats_it():
    told_city = (ReportAbove(at(9, 0)),)
    a = assess_at(
        at(12, 0),
        unit_initial(at(9, 10), reported_above=told_city),
        unit_followup(at(12, 0), reported_above=told_city),
    )

    assert flag_codes(a).count("chain_breach") == 1


@pytest.mark.parametrize(
    ("reason", "county_received", "breach"),
    [
        pytest.param("险情紧急，直报市应急管理局", at(9, 10), False, id="lawful-skip-within-15m"),
        pytest.param(
            "险情紧急，直报市应急管理局", at(9, 16), True, id="reason-but-county-told-late"
        ),
        pytest.param(None, at(9, 10), True, id="no-reason"),
    ],
)
def test_a_level_skip_with_a_reason_and_the_county_told_at_once_is_lawful(
    reason, county_received, breach
):
    report = unit_initial(county_received, reported_above=(ReportAbove(at(9, 0), reason),))
    a = assess_at(at(9, 30), report)

    assert ("chain_breach" in flag_codes(a)) is breach


@pytest.mark.parametrize(
    ("learned_at", "suspected"),
    [
        pytest.param(at(13, 0), True, id="knew-2h-before"),
        pytest.param(at(13, 1), False, id="knew-1h59m-before"),
    ],
)
def test_concealment_suspected_threshold(learned_at, suspected):
    a = assess_at(
        at(15, 0),
        register(at(14, 0), occurred_at=at(12, 0), category=Category.ACCIDENT),
        unit_initial(at(15, 0), occurred_at=at(12, 0), learned_at=learned_at),
    )

    assert ("concealment_suspected" in flag_codes(a)) is suspected


def test_no_concealment_suspicion_when_the_unit_reported_first():
    a = assess_at(at(15, 0), unit_initial(at(15, 0), occurred_at=at(8, 0)))

    assert "concealment_suspected" not in flag_codes(a)


# -- time ---------------------------------------------------------------------------------------
def test_filings_received_after_now_are_ignored():
    filings = [unit_initial(at(9, 10)), upward(at(12, 30))]

    a = assess_at(at(12, 29), *filings)
    k4 = obligation(a, "upward")
    assert k4.status is Status.PENDING
    assert k4.met_at is None
    assert "followup:office:1" not in keys(a)

    b = assess_at(at(12, 30), *filings)
    assert obligation(b, "upward").met_at == at(12, 30)


def test_nothing_is_owed_before_the_first_filing_arrives():
    a = assess_at(at(9, 0), unit_initial(at(9, 10)))

    assert a.obligations == ()
    assert a.next_change_at is None


# -- regressions: engine bugs found while writing these tests -------------------------------------
@pytest.mark.parametrize(
    "learned_at",
    [
        pytest.param(None, id="no-learned_at"),
        pytest.param(at(8, 0), id="learned_at-equal-to-occurrence"),
    ],
)
def test_unit_report_that_raises_the_grade_is_judged_on_k1_as_it_stood(learned_at):
    """docs/rules.md: a raise charges no lateness for a due time it makes pass.

    Regression: K1 was once re-anchored on the NEW grade before the filing met it, so a
    learned_at equal to occurred_at turned a met K1 into 120 minutes late."""
    a = assess_at(
        at(12, 0),
        register(at(9, 0), occurred_at=at(8, 0), category=Category.ACCIDENT, severity=Severity.IV),
        unit_initial(at(12, 0), occurred_at=at(8, 0), learned_at=learned_at, severity=Severity.III),
    )

    k1 = obligation(a, "initial")
    assert k1.anchor_at == at(8, 0)
    assert k1.status is Status.MET
    assert k1.late_minutes is None


def test_raise_never_moves_a_pending_due_time_later():
    """docs/rules.md: a raise tightens clocks; its grace never moves a still-future due time later.

    Regression: the engine once moved K1 from 14:00 (IV) to 14:20 (raise at 13:50 + 30 min)."""
    a = assess_at(
        at(13, 50),
        register(at(9, 0), occurred_at=at(8, 0), category=Category.ACCIDENT, severity=Severity.IV),
        phone(at(13, 50), complete=False, learned_at=None, severity=Severity.III),
    )

    k1 = obligation(a, "initial")
    assert k1.due_at <= at(14, 0)  # IV: occurrence + 6 h


def test_unit_confirming_registered_figures_is_no_change():
    """docs/rules.md K6 needs a material change: repeating figures the county knew is none.

    Regression: the engine once compared with 'no unit figures yet' and opened change:office:1."""
    a = assess_at(
        at(15, 40),
        register(
            at(15, 0),
            occurred_at=at(11, 30),
            category=Category.ACCIDENT,
            severity=Severity.III,
            casualties=casualties(1),
        ),
        upward(at(15, 20), casualties=casualties(1)),
        unit_initial(at(15, 40), occurred_at=at(11, 30), casualties=casualties(1)),
    )

    assert not any(k.startswith("change:") for k in keys(a))


def test_phone_call_after_the_written_initial_owes_no_written_report():
    """K2 is the written report a phone log stood in for; once it arrived, a call owes none.

    Regression: the engine once opened `written` due phone + 1 h after a written initial."""
    a = assess_at(at(10, 30), unit_initial(at(9, 10)), phone(at(10, 0)))

    assert "written" not in keys(a)


def test_no_office_final_when_k4_was_waived_and_nothing_went_upward():
    """The office owes the city a final only if it owes or made a report to the city (K8).

    Regression: the engine once opened final:office because a waived `upward` draft existed."""
    a = assess_at(
        at(12, 30),
        unit_initial(at(9, 10), severity=Severity.IV, sensitive=True),
        unit_followup(at(10, 0), sensitive=False),
        unit_followup(at(12, 0), handling_finished=True),
    )

    assert obligation(a, "upward").status is Status.WAIVED
    assert obligation(a, "final:unit").due_at == at(12, 0, day=DAY2)
    assert "final:office" not in keys(a)


def test_office_final_still_owed_when_k4_was_met_before_a_lowering():
    a = assess_at(
        at(12, 30),
        unit_initial(at(9, 10), severity=Severity.IV, sensitive=True),
        upward(at(9, 30)),
        unit_followup(at(10, 0), sensitive=False),
        unit_followup(at(12, 0), handling_finished=True),
    )

    assert obligation(a, "upward").status is Status.MET
    assert obligation(a, "final:office").due_at == at(12, 0, day=DAY2)


def test_office_declaring_handling_finished_waives_the_units_followup_not_yet_due():
    a = assess_at(
        at(12, 30),
        unit_initial(at(9, 10)),
        upward(at(11, 0)),
        office_followup(at(12, 0), handling_finished=True),
    )

    f1 = obligation(a, "followup:unit:1")  # due 13:10
    assert f1.status is Status.WAIVED
    assert f1.reason == "handling_finished"
    assert obligation(a, "final:unit").due_at == at(12, 0, day=DAY2)
    assert obligation(a, "final:office").due_at == at(12, 0, day=DAY2)
    assert a.state is IncidentState.HANDLING_FINISHED


@pytest.mark.parametrize(
    "registered_change",
    [
        pytest.param({"casualties": casualties(3)}, id="casualties-rose"),
        pytest.param({"severity": Severity.II}, id="grade-raised"),
    ],
)
def test_change_registered_by_the_county_after_upward_owes_the_city_a_change_report(
    registered_change,
):
    a = assess_at(
        at(12, 0),
        unit_initial(at(9, 10), casualties=casualties(1)),
        upward(at(11, 0), casualties=casualties(1)),
        register(at(12, 0), **registered_change),
    )

    assert obligation(a, "change:unit:1").due_at == at(13, 0)
    k6 = obligation(a, "change:office:1")
    assert k6.anchor_at == at(12, 0)
    assert k6.due_at == at(13, 0)


def test_one_concealment_suspicion_per_incident():
    a = assess_at(
        at(16, 0),
        register(at(15, 0), occurred_at=at(11, 30), category=Category.ACCIDENT),
        phone(at(15, 30), complete=False, occurred_at=at(11, 30), learned_at=at(11, 40)),
        unit_initial(at(15, 40), occurred_at=at(11, 30), learned_at=at(11, 40)),
    )

    assert flag_codes(a).count("concealment_suspected") == 1
