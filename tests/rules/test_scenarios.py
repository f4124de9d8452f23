"""docs/scenarios.md: acceptance scenarios, as far as the pure rules engine answers them.

Times are Asia/Shanghai on 2026-11-21 ("day 1") unless a `day=` says otherwise. Scenarios 5, 8 and
10-13 concern validation, instructions, rosters and delivery, which live outside `rules/`."""

from __future__ import annotations

from datetime import UTC

import pytest

from rules.model import Category, IncidentState, Party, Severity, Status
from tests.rules.builders import (
    assess_at,
    at,
    flag_codes,
    keys,
    obligation,
    office_followup,
    phone,
    register,
    ruleset,
    unit_final,
    unit_followup,
    unit_initial,
    upward,
)

DAY1, DAY2, DAY3 = 21, 22, 23


# -- scenarios 1-3: a III traffic accident known at 08:00 --------------------------------------
def _scenario_1():
    return [
        unit_initial(
            at(9, 10),
            occurred_at=at(8, 0),
            learned_at=at(8, 0),
            category=Category.ACCIDENT,
            severity=Severity.III,
            subtype="road_traffic",
        )
    ]


def test_scenario_1_initial_report_within_two_hours_is_met():
    a = assess_at(at(9, 30), *_scenario_1())

    k1 = obligation(a, "initial")
    assert k1.party is Party.UNIT
    assert k1.owed_by == "B"
    assert k1.anchor_at == at(8, 0)
    assert k1.due_at == at(10, 0)
    assert k1.status is Status.MET
    assert k1.met_at == at(9, 10)
    assert k1.late_minutes is None
    assert not k1.after_chasing
    assert a.clock_severity is Severity.III
    assert a.state is IncidentState.OPEN


@pytest.mark.parametrize(
    ("counted_from", "k4_due", "status", "late_minutes"),
    [
        pytest.param("occurrence", at(12, 0), Status.LATE, 30, id="from-occurrence-30-min-late"),
        pytest.param("county_receipt", at(13, 10), Status.MET, None, id="from-receipt-on-time"),
    ],
)
def test_scenario_2_upward_report_at_12_30(counted_from, k4_due, status, late_minutes):
    rules = ruleset(upward_counted_from=counted_from)
    filings = [*_scenario_1(), upward(at(12, 30))]

    before = assess_at(at(11, 0), *filings, rules=rules)
    k4_before = obligation(before, "upward")
    assert k4_before.status is Status.PENDING
    assert k4_before.due_at == k4_due
    # the ladder's "at due" step (section head + leader on duty) fires at the K4 due time
    assert before.next_change_at == k4_due

    after = assess_at(at(12, 30), *filings, rules=rules)
    k4 = obligation(after, "upward")
    assert k4.party is Party.OFFICE
    assert k4.owed_by == "COUNTY"
    assert k4.due_at == k4_due
    assert k4.status is status
    assert k4.met_at == at(12, 30)
    assert k4.late_minutes == late_minutes


def _scenario_3(office_followup_at=None):
    filings = [*_scenario_1(), upward(at(12, 30)), unit_followup(at(13, 0))]
    if office_followup_at is not None:
        filings.append(office_followup(office_followup_at))
    return filings


def test_scenario_3_unit_followup_at_13_00_is_on_time():
    a = assess_at(at(13, 0), *_scenario_3())

    f1 = obligation(a, "followup:unit:1")
    assert f1.number == 1
    assert f1.anchor_at == at(9, 10)
    assert f1.due_at == at(13, 10)
    assert f1.status is Status.MET
    assert f1.met_at == at(13, 0)
    # and the next one runs 4 h from that follow-up
    assert obligation(a, "followup:unit:2").due_at == at(17, 0)


def test_scenario_3_county_followup_due_16_30_is_pending_until_it_comes():
    a = assess_at(at(16, 45), *_scenario_3())

    f1 = obligation(a, "followup:office:1")
    assert f1.anchor_at == at(12, 30)
    assert f1.due_at == at(16, 30)
    assert f1.status is Status.PENDING
    assert f1.met_at is None
    # before 16:30 the next thing to happen is that due time
    assert assess_at(at(16, 0), *_scenario_3()).next_change_at == at(16, 30)


def test_scenario_3_county_followup_at_17_10_is_40_minutes_late():
    a = assess_at(at(17, 10), *_scenario_3(office_followup_at=at(17, 10)))

    f1 = obligation(a, "followup:office:1")
    assert f1.due_at == at(16, 30)
    assert f1.status is Status.LATE
    assert f1.late_minutes == 40
    assert f1.met_at == at(17, 10)
    assert obligation(a, "followup:office:2").due_at == at(21, 10)


# -- scenario 4: II event at 21:40, phone log, written report after midnight ------------------
def test_scenario_4_phone_meets_k1_and_written_report_is_20_minutes_late_for_k2():
    call = phone(
        at(22, 10),
        complete=True,
        occurred_at=at(21, 40),
        learned_at=at(21, 45),
        severity=Severity.II,
    )
    written = unit_initial(
        at(0, 5, day=DAY2),
        occurred_at=at(21, 40),
        learned_at=at(21, 45),
        severity=Severity.II,
    )

    before = assess_at(at(23, 0), call, written)
    assert obligation(before, "written").status is Status.PENDING

    a = assess_at(at(0, 30, day=DAY2), call, written)
    k1 = obligation(a, "initial")
    assert k1.anchor_at == at(21, 45)
    assert k1.due_at == at(23, 45)
    assert k1.status is Status.MET
    assert k1.met_at == at(22, 10)
    assert k1.met_by == call.id

    k2 = obligation(a, "written")
    assert k2.anchor_at == at(22, 10)
    assert k2.due_at == at(23, 45)  # the later of K1 due (23:45) and phone + 1 h (23:10)
    assert k2.status is Status.LATE
    assert k2.late_minutes == 20
    assert k2.met_by == written.id


# -- scenarios 6 and 7: the county registers a fire from a media report -----------------------
def _registered_fire(received_at=None):
    return register(
        received_at or at(15, 0),
        occurred_at=at(11, 30),
        category=Category.ACCIDENT,
        severity=Severity.III,
        subtype="fire",
    )


def test_scenario_6_unit_files_after_being_registered_elsewhere():
    reg = _registered_fire()
    late_report = unit_initial(at(15, 40), occurred_at=at(11, 30), learned_at=at(11, 40))

    a = assess_at(at(15, 40), reg, late_report)

    k1 = obligation(a, "initial")
    assert k1.anchor_at == at(11, 40)
    assert k1.due_at == at(13, 40)
    assert k1.status is Status.LATE
    assert k1.late_minutes == 120
    assert k1.after_chasing is True
    assert k1.met_by == late_report.id

    codes = flag_codes(a)
    assert "concealment_suspected" in codes
    assert "after_chasing" in codes
    concealment = next(f for f in a.flags if f.code == "concealment_suspected")
    assert concealment.filing_id == late_report.id
    assert concealment.at == at(15, 40)
    assert concealment.params == {"minutes": 240}  # learned 11:40, reported 15:40


def test_scenario_6_before_the_unit_files_k1_counts_from_occurrence():
    a = assess_at(at(15, 10), _registered_fire())

    k1 = obligation(a, "initial")
    assert k1.anchor_at == at(11, 30)
    assert k1.due_at == at(13, 30)
    assert k1.status is Status.PENDING
    assert "concealment_suspected" not in flag_codes(a)


@pytest.mark.parametrize(
    "registered_at",
    [
        pytest.param(at(15, 0), id="registered-15:00"),
        # 00:30 local is still the previous day in UTC: the cutoff follows the local calendar
        pytest.param(at(0, 30).astimezone(UTC), id="registered-00:30-local-given-in-UTC"),
    ],
)
def test_scenario_7_never_reported_is_missed_at_the_end_of_the_next_local_day(registered_at):
    reg = register(
        registered_at,
        occurred_at=min(registered_at, at(11, 30)),
        category=Category.ACCIDENT,
        severity=Severity.III,
    )
    cutoff = at(0, 0, day=DAY3)

    afternoon = assess_at(at(16, 0), reg)
    assert obligation(afternoon, "initial").status is Status.PENDING
    assert afternoon.next_change_at == cutoff  # K1 and K4 are both overdue by then

    last_moment = assess_at(at(23, 59, day=DAY2, ss=59), reg)
    assert obligation(last_moment, "initial").status is Status.PENDING
    assert last_moment.next_change_at == cutoff

    missed = assess_at(cutoff, reg)
    k1 = obligation(missed, "initial")
    assert k1.status is Status.MISSED
    assert k1.reason == "not_reported_by_cutoff"
    assert k1.met_at is None


# -- scenario 9: handling declared finished on day 2 at 18:00 ---------------------------------
def _scenario_9(*, office_followed_up: bool, severity=Severity.III, with_final=False):
    filings = [
        unit_initial(at(9, 10), occurred_at=at(8, 0), severity=severity),
        unit_followup(at(16, 0, day=DAY2)),
        unit_followup(at(18, 0, day=DAY2), handling_finished=True),
    ]
    if severity is not Severity.IV:
        filings.append(upward(at(11, 0)))
        if office_followed_up:
            filings.append(office_followup(at(17, 0, day=DAY2)))
    if with_final:
        filings.append(unit_final(at(12, 0, day=DAY3)))
    return filings


def test_scenario_9_final_reports_are_due_24_hours_after_handling_finished():
    a = assess_at(at(18, 30, day=DAY2), *_scenario_9(office_followed_up=True))

    unit_final_k8 = obligation(a, "final:unit")
    assert unit_final_k8.party is Party.UNIT
    assert unit_final_k8.anchor_at == at(18, 0, day=DAY2)
    assert unit_final_k8.due_at == at(18, 0, day=DAY3)
    assert unit_final_k8.status is Status.PENDING

    office_final_k8 = obligation(a, "final:office")
    assert office_final_k8.party is Party.OFFICE
    assert office_final_k8.due_at == at(18, 0, day=DAY3)
    assert office_final_k8.status is Status.PENDING

    # not archivable yet: handling finished, final report outstanding
    assert a.state is IncidentState.HANDLING_FINISHED


def test_scenario_9_followups_not_yet_due_are_waived_and_no_new_ones_planned():
    a = assess_at(at(18, 30, day=DAY2), *_scenario_9(office_followed_up=True))

    office_next = obligation(a, "followup:office:2")  # from 17:00, due 21:00
    assert office_next.due_at == at(21, 0, day=DAY2)
    assert office_next.status is Status.WAIVED
    assert office_next.reason == "handling_finished"

    # the handling-finished follow-up itself met the unit's pending one …
    unit_last = obligation(a, "followup:unit:2")
    assert unit_last.status is Status.MET
    assert unit_last.met_at == at(18, 0, day=DAY2)
    # … and no further unit follow-up is owed
    assert "followup:unit:3" not in keys(a)


def test_scenario_9_an_overdue_followup_is_not_waived_by_handling_finished():
    a = assess_at(at(18, 30, day=DAY2), *_scenario_9(office_followed_up=False))

    overdue = obligation(a, "followup:office:1")  # due day 1 15:00
    assert overdue.due_at == at(15, 0)
    assert overdue.status is Status.PENDING
    assert overdue.reason is None


def test_scenario_9_no_office_final_when_k4_does_not_apply():
    a = assess_at(
        at(18, 30, day=DAY2), *_scenario_9(office_followed_up=False, severity=Severity.IV)
    )

    assert obligation(a, "final:unit").due_at == at(18, 0, day=DAY3)
    assert "upward" not in keys(a)
    assert "final:office" not in keys(a)


def test_scenario_9_unit_final_meets_k8_and_closes_the_incident():
    a = assess_at(at(12, 0, day=DAY3), *_scenario_9(office_followed_up=True, with_final=True))

    k8 = obligation(a, "final:unit")
    assert k8.status is Status.MET
    assert k8.met_at == at(12, 0, day=DAY3)
    assert a.state is IncidentState.CLOSED
    assert obligation(a, "final:office").status is Status.PENDING
