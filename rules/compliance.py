"""Per-unit records and the score of docs/rules.md: on time, late, missed, after chasing,
under-graded, chain breaches, overdue follow-ups, duty checks, from plain data over a period.

Pure: obligations, flags, incidents and duty checks in as frozen dataclasses; records out.

How the §6 items are read here:

- **Late (迟报, −5)** is a late *report of the incident*: the unit's initial report (K1), its
  written report after a phone log (K2), and the county's report upward (K4). A follow-up, change
  report or final report that is late, or still owed past its due time, is an **overdue follow-up
  or final (−2)** instead, so one lateness is never charged twice.
- **Findings** (rules/findings.py) count only once the information section has confirmed them
  (`confirmed`): missed (漏报, −10), concealed (瞒报, −20), under-graded (轻报, −5) and chain
  breaches (−2). Until then they are *candidates*, counted apart and not scored; a dismissed
  finding (`dismissed`) is neither.
- **Overdue instruction feedback (批示反馈逾期, −3)** is an `instruction_feedback` clock (K11, and
  each one owed again after a return) met late, still owed past its due time, or missed: the
  score, the records page, its exports and the bulletins all read `UnitRecord.overdue_feedback`.
  A missed feedback is overdue feedback, never a 漏报 (missed report of an incident).
- **After chasing** and **duty checks missed** belong in the record but not in the score: §6's
  formula does not name them.
- An item belongs to the period in which it fell due (obligations, duty checks), was raised
  (flags) or was first reported by the unit (incidents). An incident's flag of one kind counts once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

REPORT_KINDS = frozenset({"initial", "written", "upward"})
FOLLOWUP_KINDS = frozenset({"followup", "change", "final"})
FEEDBACK_KINDS = frozenset({"instruction_feedback"})  # instruction feedback (落实反馈), K11
# a flag that is a finding: the record's count once confirmed, and while a candidate
_FLAG_COUNTS = {
    "under_graded": ("under_graded", "under_graded_candidates"),
    "chain_breach": ("chain_breaches", "chain_breach_candidates"),
    "concealment_suspected": ("concealed", "concealment_candidates"),
}


@dataclass(frozen=True)
class Weights:
    """Points taken off per finding; the defaults of docs/rules.md."""

    start: int = 100
    late: int = 5
    missed: int = 10
    concealed: int = 20
    under_graded: int = 5
    overdue_followup: int = 2
    overdue_feedback: int = 3
    chain_breach: int = 2


DEFAULT_WEIGHTS = Weights()


@dataclass(frozen=True)
class Period:
    """A half-open span of time [start, end)."""

    start: datetime
    end: datetime

    def holds(self, moment: datetime) -> bool:
        """Whether `moment` falls inside the period."""
        return self.start <= moment < self.end


@dataclass(frozen=True)
class ObligationFact:
    """One obligation as it stands: whose it is, its kind, status and due time."""

    unit: str
    kind: str  # initial | written | upward | followup | change | final | instruction_…
    status: str  # pending | met | late | missed | waived
    due_at: datetime
    late_minutes: int | None = None
    after_chasing: bool = False
    confirmed: bool = False  # a missed report the information section confirmed
    dismissed: bool = False  # … or dismissed


@dataclass(frozen=True)
class FlagFact:
    """A finding on an incident: under_graded, chain_breach or concealment_suspected."""

    unit: str
    incident: int
    code: str
    at: datetime
    confirmed: bool = False  # the finding the information section confirmed
    dismissed: bool = False  # … or dismissed


@dataclass(frozen=True)
class IncidentFact:
    """An incident a unit reported itself (initial report or phone log), and when it first did."""

    unit: str
    reported_at: datetime


@dataclass(frozen=True)
class DutyCheckFact:
    """A duty check (查岗) of a unit: when the answer was due and when it came."""

    unit: str
    due_at: datetime
    answered_at: datetime | None = None


@dataclass(frozen=True)
class UnitRecord:
    """One unit's record over a period, and its score."""

    unit: str
    incidents: int = 0
    on_time: int = 0
    late: int = 0
    late_minutes: int = 0
    missed: int = 0
    missed_candidates: int = 0
    after_chasing: int = 0
    under_graded: int = 0
    under_graded_candidates: int = 0
    chain_breaches: int = 0
    chain_breach_candidates: int = 0
    overdue_followups: int = 0
    overdue_feedback: int = 0
    concealed: int = 0
    concealment_candidates: int = 0
    duty_checks: int = 0
    duty_checks_missed: int = 0
    score: int = 100


def duty_check_missed(check: DutyCheckFact, now: datetime) -> bool:
    """Not answered by its due time, once that time has come (a late answer still misses)."""
    answered_in_time = check.answered_at is not None and check.answered_at <= check.due_at
    return not answered_in_time and now >= check.due_at


def overdue(obligation: ObligationFact, now: datetime) -> bool:
    """Met late, or still owed after its due time."""
    return obligation.status == "late" or (
        obligation.status == "pending" and obligation.due_at < now
    )


def score(record: UnitRecord, weights: Weights = DEFAULT_WEIGHTS) -> int:
    """The §6 score of a record's confirmed findings, never below 0."""
    taken = (
        weights.late * record.late
        + weights.missed * record.missed
        + weights.concealed * record.concealed
        + weights.under_graded * record.under_graded
        + weights.overdue_followup * record.overdue_followups
        + weights.overdue_feedback * record.overdue_feedback
        + weights.chain_breach * record.chain_breaches
    )
    return max(0, weights.start - taken)


def unit_records(
    units: Sequence[str],
    *,
    period: Period,
    now: datetime,
    obligations: Iterable[ObligationFact] = (),
    flags: Iterable[FlagFact] = (),
    incidents: Iterable[IncidentFact] = (),
    checks: Iterable[DutyCheckFact] = (),
    weights: Weights = DEFAULT_WEIGHTS,
) -> list[UnitRecord]:
    """Each unit's record over `period` as it stands at `now`, in the order of `units`."""
    tallies = {unit: _Tally() for unit in units}
    for obligation in obligations:
        if obligation.unit in tallies and period.holds(obligation.due_at):
            tallies[obligation.unit].add_obligation(obligation, now)
    seen: set[tuple[int, str]] = set()
    for flag in flags:
        once = (flag.incident, flag.code)
        if flag.unit in tallies and period.holds(flag.at) and once not in seen:
            seen.add(once)
            tallies[flag.unit].add_flag(flag)
    for incident in incidents:
        if incident.unit in tallies and period.holds(incident.reported_at):
            tallies[incident.unit].counts["incidents"] += 1
    for check in checks:
        if check.unit in tallies and period.holds(check.due_at):
            tallies[check.unit].add_check(check, now)
    return [tallies[unit].record(unit, weights) for unit in units]


class _Tally:
    """Counts for one unit, named as UnitRecord's fields."""

    def __init__(self) -> None:
        self.counts = {f.name: 0 for f in fields(UnitRecord) if f.name not in ("unit", "score")}

    def add_obligation(self, o: ObligationFact, now: datetime) -> None:
        counts = self.counts
        if o.status == "met":
            counts["on_time"] += 1
        elif o.kind in FEEDBACK_KINDS:
            if o.status == "missed" or overdue(o, now):
                counts["overdue_feedback"] += 1
        elif o.status == "missed":
            if not o.dismissed:
                counts["missed" if o.confirmed else "missed_candidates"] += 1
        elif o.kind in REPORT_KINDS and o.status == "late":
            counts["late"] += 1
            counts["late_minutes"] += o.late_minutes or 0
        elif o.kind in FOLLOWUP_KINDS and overdue(o, now):
            counts["overdue_followups"] += 1
        if o.after_chasing:
            counts["after_chasing"] += 1

    def add_flag(self, flag: FlagFact) -> None:
        names = _FLAG_COUNTS.get(flag.code)
        if names is not None and not flag.dismissed:
            self.counts[names[0] if flag.confirmed else names[1]] += 1

    def add_check(self, check: DutyCheckFact, now: datetime) -> None:
        self.counts["duty_checks"] += 1
        if duty_check_missed(check, now):
            self.counts["duty_checks_missed"] += 1

    def record(self, unit: str, weights: Weights) -> UnitRecord:
        unscored = UnitRecord(unit, **self.counts)
        return UnitRecord(unit, **self.counts, score=score(unscored, weights))
