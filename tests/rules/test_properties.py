"""Invariants of `assess` over generated, plausible filing sequences (hypothesis)."""

from __future__ import annotations

from datetime import datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from rules.chain import ReportAbove
from rules.model import (
    UNKNOWN,
    Assessment,
    Casualties,
    Category,
    Chase,
    Filing,
    FilingKind,
    Party,
    Severity,
    Status,
    Waiver,
)
from tests.rules.builders import OFFICE, UNIT, assess_at, at, filing

SETTINGS = settings(max_examples=200, deadline=None)
OCCURRED = at(8, 0)
KEYS = ("initial", "written", "upward", "followup:unit:1", "followup:office:1", "final:unit")

figures = st.one_of(st.integers(0, 40), st.just(UNKNOWN))
casualty_sets = st.one_of(
    st.none(),
    st.builds(Casualties, dead=figures, seriously_injured=figures, injured=figures),
)
severities = st.sampled_from(list(Severity))
maybe_severity = st.one_of(st.none(), severities)
maybe_sensitive = st.one_of(st.none(), st.booleans())

LATER_KINDS = [
    (FilingKind.FOLLOWUP, Party.UNIT),
    (FilingKind.FOLLOWUP, Party.UNIT),
    (FilingKind.FOLLOWUP, Party.OFFICE),
    (FilingKind.UPWARD, Party.OFFICE),
    (FilingKind.PHONE, Party.UNIT),
    (FilingKind.REGISTER, Party.OFFICE),
    (FilingKind.FINAL, Party.UNIT),
    (FilingKind.FINAL, Party.OFFICE),
    (FilingKind.INITIAL, Party.UNIT),
]


@st.composite
def first_filings(draw) -> Filing:
    """A unit's initial report (or its phone log) or an office's register."""
    category = draw(st.sampled_from(list(Category)))
    severity = draw(maybe_severity if category is Category.SOCIAL_SAFETY else severities)
    occurred = OCCURRED - timedelta(minutes=draw(st.integers(0, 180)))
    learned = occurred + timedelta(minutes=draw(st.integers(0, 90)))
    received = learned + timedelta(minutes=draw(st.integers(0, 360)))
    kind, party = draw(
        st.sampled_from(
            [
                (FilingKind.INITIAL, Party.UNIT),
                (FilingKind.PHONE, Party.UNIT),
                (FilingKind.REGISTER, Party.OFFICE),
            ]
        )
    )
    return filing(
        kind,
        party,
        received,
        occurred_at=occurred,
        learned_at=learned if party is Party.UNIT else None,
        category=category,
        severity=severity,
        sensitive=draw(st.booleans()),
        complete=draw(st.booleans()) if kind is FilingKind.PHONE else True,
        casualties=draw(casualty_sets),
        subtype=draw(st.sampled_from([None, "road_traffic", "fire"])),
        reported_above=draw(
            st.sampled_from([(), (ReportAbove(received - timedelta(minutes=10)),)])
        ),
    )


@st.composite
def later_filings(draw, after: datetime, first: Filing) -> Filing:
    """Any filing received at or after `after` (up to 10 h later)."""
    kind, party = draw(st.sampled_from(LATER_KINDS))
    received = after + timedelta(minutes=draw(st.integers(0, 600)))
    assert first.occurred_at is not None
    learned = first.learned_at or min(
        received, first.occurred_at + timedelta(minutes=draw(st.integers(0, 240)))
    )
    return filing(
        kind,
        party,
        received,
        occurred_at=first.occurred_at if kind in (FilingKind.INITIAL, FilingKind.PHONE) else None,
        learned_at=learned if party is Party.UNIT else None,
        severity=draw(maybe_severity),
        sensitive=draw(maybe_sensitive),
        complete=draw(st.booleans()) if kind is FilingKind.PHONE else True,
        handling_finished=draw(st.booleans()) if kind is FilingKind.FOLLOWUP else False,
        material_change=draw(st.booleans()),
        casualties=draw(casualty_sets),
    )


@st.composite
def histories(draw, min_later: int = 0, max_later: int = 10) -> list[Filing]:
    """A plausible sequence, oldest first, received within a few days."""
    filings = [draw(first_filings())]
    for _ in range(draw(st.integers(min_later, max_later))):
        filings.append(draw(later_filings(filings[-1].received_at, filings[0])))
    return filings


@st.composite
def cases(draw):
    """(filings, now, owner, waivers, chases)."""
    filings = draw(histories())
    start = filings[0].received_at - timedelta(hours=1)
    end = filings[-1].received_at + timedelta(days=2)
    now = start + timedelta(minutes=draw(st.integers(0, int((end - start).total_seconds() // 60))))
    owner = draw(st.sampled_from([UNIT, UNIT, UNIT, OFFICE]))
    moments = st.integers(0, 3 * 24 * 60).map(
        lambda m: filings[0].received_at + timedelta(minutes=m)
    )
    waivers = draw(st.lists(st.builds(Waiver, st.sampled_from(KEYS), moments, st.just("admin"))))
    chases = draw(st.lists(st.builds(Chase, st.sampled_from(KEYS), moments), max_size=3))
    return filings, now, owner, waivers, chases


def _assess(filings, now, owner=UNIT, waivers=(), chases=()) -> Assessment:
    return assess_at(now, *filings, unit=owner, office=OFFICE, waivers=waivers, chases=chases)


@SETTINGS
@given(cases())
def test_every_due_time_is_at_or_after_its_anchor(case):
    filings, now, owner, waivers, chases = case
    a = _assess(filings, now, owner, waivers, chases)

    for o in a.obligations:
        assert o.due_at >= o.anchor_at, o


@SETTINGS
@given(cases(), st.randoms(use_true_random=False))
def test_the_answer_does_not_depend_on_the_order_filings_are_given_in(case, random):
    filings, now, owner, waivers, chases = case
    shuffled = list(filings)
    random.shuffle(shuffled)

    assert _assess(shuffled, now, owner, waivers, chases) == _assess(
        filings, now, owner, waivers, chases
    )


@SETTINGS
@given(st.data())
def test_a_newer_filing_never_unsettles_a_met_or_late_obligation(data):
    filings = data.draw(histories())
    owner = data.draw(st.sampled_from([UNIT, OFFICE]))
    extra = data.draw(later_filings(filings[-1].received_at, filings[0]))
    now = extra.received_at + timedelta(minutes=data.draw(st.integers(0, 3 * 24 * 60)))

    before = _assess(filings, now, owner)
    after = {o.key: o for o in _assess([*filings, extra], now, owner).obligations}

    for o in before.obligations:
        if o.status in (Status.MET, Status.LATE):
            assert o.key in after, o.key
            assert after[o.key].status is o.status, (o, after[o.key])
            assert after[o.key].met_at == o.met_at
            assert after[o.key].met_by == o.met_by


@SETTINGS
@given(cases())
def test_statuses_are_consistent_at_now(case):
    filings, now, owner, waivers, chases = case
    a = _assess(filings, now, owner, waivers, chases)

    for o in a.obligations:
        if o.status is Status.MET:
            assert o.met_at is not None and o.met_at <= o.due_at, o
            assert o.late_minutes is None, o
        elif o.status is Status.LATE:
            assert o.met_at is not None and o.met_at > o.due_at, o
            assert o.late_minutes is not None and o.late_minutes >= 1, o
        elif o.status in (Status.PENDING, Status.WAIVED):
            assert o.met_at is None, o
        if o.met_at is not None:
            assert o.met_at <= now, o


@SETTINGS
@given(cases())
def test_next_change_is_in_the_future(case):
    filings, now, owner, waivers, chases = case
    a = _assess(filings, now, owner, waivers, chases)

    if a.next_change_at is not None:
        assert a.next_change_at > now
    # also exactly at the moments where things turn: every due time, and each next change in turn
    for moment in sorted({o.due_at for o in a.obligations})[:4]:
        b = _assess(filings, moment, owner, waivers, chases)
        assert b.next_change_at is None or b.next_change_at > moment, (moment, b.next_change_at)
    moment = a.next_change_at
    for _ in range(8):
        if moment is None:
            break
        b = _assess(filings, moment, owner, waivers, chases)
        assert b.next_change_at is None or b.next_change_at > moment, (moment, b.next_change_at)
        moment = b.next_change_at
    pending_ahead = [
        o.due_at for o in a.obligations if o.status is Status.PENDING and o.due_at > now
    ]
    if pending_ahead:
        assert a.next_change_at is not None
        assert a.next_change_at <= min(pending_ahead)
