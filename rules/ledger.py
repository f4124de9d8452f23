"""The obligations of one incident as a walk over its filings has them so far (`Draft`s), with
what the walk knows of the incident, and the planning moves: what a moment makes owed, by when,
what a report meets, and how a grade change re-plans what is still pending.

rules/obligations.py walks the filings and calls these; nothing else does."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from rules.grading import clock_severity
from rules.model import (
    Casualties,
    Category,
    Filing,
    Flag,
    Incident,
    ObligationKind,
    Party,
    Severity,
)
from rules.ruleset import GradeClocks, Ruleset
from rules.schedule import daily_deadline_after, end_of_local_day

_GRADED = {ObligationKind.INITIAL, ObligationKind.UPWARD, ObligationKind.FOLLOWUP}


@dataclass
class Draft:
    """One obligation as the walk has it so far: when it is due, and whether met or waived."""

    key: str
    kind: ObligationKind
    party: Party
    anchor_at: datetime
    due_at: datetime
    number: int | None = None
    met_at: datetime | None = None
    met_by: int | None = None
    grace: bool = False
    waived_at: datetime | None = None
    reason: str | None = None
    missed_after: datetime | None = None

    def is_open_at(self, moment: datetime) -> bool:
        """Neither met nor (yet, at `moment`) waived."""
        return self.met_at is None and (self.waived_at is None or self.waived_at > moment)


class Ledger:
    """The drafts and facts of one incident mid-walk; the walk (rules/obligations.py) extends it."""

    def __init__(self, incident: Incident, ruleset: Ruleset) -> None:
        self.incident = incident
        self.rules = ruleset
        self.drafts: dict[str, Draft] = {}
        self.flags: list[Flag] = []
        self.severity: Severity | None = None
        self.sensitive = False
        self.category: Category | None = None
        self.subtype: str | None = None
        self.occurred_at: datetime | None = None
        self.county_receipt: datetime | None = None
        self.registered_at: datetime | None = None
        self.unit_learned_at: datetime | None = None
        self.unit_first_report_at: datetime | None = None  # the county first heard from the unit
        self.unit_figures: Casualties | None = None
        self.known_figures: Casualties | None = None  # the latest figures from any source
        self.unit_has_written = False
        self.grade_before = Severity.IV  # the clock grade before the filing being applied
        self.handling_finished_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.archived_at: datetime | None = None
        self.reopened = False
        self.counts: dict[str, int] = {}

    # -- planning -------------------------------------------------------------------------
    def _ensure_initial(self, t: datetime) -> None:
        if self.incident.owned_by_office or "initial" in self.drafts:
            return
        anchor = self.unit_learned_at or self.occurred_at or t
        due = anchor + self._clocks().initial
        draft = self._add("initial", ObligationKind.INITIAL, Party.UNIT, anchor, due)
        if self.registered_at is not None:
            cutoff = end_of_local_day(self.registered_at, self.rules.missed_after_days, self.rules)
            draft.missed_after = cutoff

    def _ensure_upward(self, t: datetime, *, late_start: bool) -> None:
        """K4 exists whenever the clock grade is reported upward. When a grade change makes it
        apply (`late_start`), a due time already passed moves to the grace after the change."""
        if not self._upward_applies():
            return
        existing = self.drafts.get("upward")
        if existing is not None:
            if existing.waived_at is not None and existing.reason == "grade_lowered":
                existing.waived_at, existing.reason = None, None
                self._set_due(existing, self._due_for(existing), t)
            return
        anchor = self._upward_anchor()
        draft = self._add("upward", ObligationKind.UPWARD, Party.OFFICE, anchor, anchor)
        due = self._due_for(draft)
        assert due is not None
        if late_start:
            self._set_due(draft, due, t)
        else:
            draft.due_at = due

    def _plan_written(self, t: datetime) -> None:
        if "written" in self.drafts or self.unit_has_written:
            return
        initial = self.drafts.get("initial")
        due = t + self.rules.written_after_phone
        if initial is not None:
            due = max(due, initial.due_at)
        self._add("written", ObligationKind.WRITTEN, Party.UNIT, t, due)

    def _plan_followup(self, party: Party, t: datetime) -> None:
        if self._pending(party, ObligationKind.FOLLOWUP, t):
            return
        number = self._next_number(f"followup:{party.value}")
        draft = self._add(
            f"followup:{party.value}:{number}", ObligationKind.FOLLOWUP, party, t, t, number
        )
        due = self._due_for(draft)
        draft.due_at = due if due is not None else t

    def _plan_office_change(self, t: datetime) -> None:
        """K6 for the office: only once the city has had a report to be changed."""
        upward = self.drafts.get("upward")
        if upward is not None and upward.met_at is not None:
            self._plan_change(Party.OFFICE, t)

    def _plan_change(self, party: Party, t: datetime) -> None:
        if self.incident.owned_by_office and party is Party.UNIT:
            return
        number = self._next_number(f"change:{party.value}")
        due = t + self.rules.change_followup
        self._add(f"change:{party.value}:{number}", ObligationKind.CHANGE, party, t, due, number)

    def _finish_handling(self, t: datetime) -> None:
        """处置结束: follow-ups not yet due stop; each party that reports now owes a final."""
        if self.handling_finished_at is not None and not self.reopened:
            return
        self.handling_finished_at = self.handling_finished_at or t
        for draft in self.drafts.values():
            if draft.kind is ObligationKind.FOLLOWUP and draft.is_open_at(t) and draft.due_at > t:
                draft.waived_at, draft.reason = t, "handling_finished"
        due = t + self.rules.final_after_handling_finished
        if not self.incident.owned_by_office and "final:unit" not in self.drafts:
            self._add("final:unit", ObligationKind.FINAL, Party.UNIT, t, due)
        upward = self.drafts.get("upward")
        owes_city = upward is not None and (upward.met_at is not None or upward.waived_at is None)
        if owes_city and "final:office" not in self.drafts:
            self._add("final:office", ObligationKind.FINAL, Party.OFFICE, t, due)

    def _regrade(self, t: datetime) -> None:
        """docs/rules.md: late stays late; a clock that now applies and has passed gets grace."""
        for draft in self.drafts.values():
            if draft.kind not in _GRADED or not draft.is_open_at(t) or draft.due_at < t:
                continue
            new_due = self._due_for(draft)
            if new_due is None:
                draft.waived_at, draft.reason = t, "grade_lowered"
            elif new_due >= t:
                draft.due_at, draft.grace = new_due, False
            elif t + self.rules.raised_grade_grace < draft.due_at:
                draft.due_at, draft.grace = t + self.rules.raised_grade_grace, True
            # else the due time still ahead is sooner than the grace would be: it stands

    def _set_due(self, draft: Draft, due: datetime | None, t: datetime) -> None:
        if due is None:
            draft.waived_at, draft.reason = t, "grade_lowered"
        elif due < t:
            draft.due_at, draft.grace = t + self.rules.raised_grade_grace, True
        else:
            draft.due_at, draft.grace = due, False

    def _due_for(self, draft: Draft) -> datetime | None:
        clocks = self._clocks()
        if draft.kind is ObligationKind.INITIAL:
            return draft.anchor_at + clocks.initial
        if draft.kind is ObligationKind.UPWARD:
            return draft.anchor_at + clocks.upward if clocks.upward is not None else None
        if draft.party is Party.OFFICE and not self._upward_applies():
            return None
        if clocks.followup_every is not None:
            return draft.anchor_at + clocks.followup_every
        assert clocks.followup_daily_at is not None
        return daily_deadline_after(draft.anchor_at, clocks.followup_daily_at, self.rules)

    # -- helpers --------------------------------------------------------------------------
    # -- helpers --------------------------------------------------------------------------
    def _meet(self, party: Party, filing: Filing, kinds: set[ObligationKind]) -> None:
        for draft in self.drafts.values():
            if (
                draft.party is party
                and draft.kind in kinds
                and draft.is_open_at(filing.received_at)
            ):
                draft.met_at, draft.met_by = filing.received_at, filing.id

    def _pending(self, party: Party, kind: ObligationKind, t: datetime) -> bool:
        return any(
            d.party is party and d.kind is kind and d.is_open_at(t) for d in self.drafts.values()
        )

    def _add(
        self,
        key: str,
        kind: ObligationKind,
        party: Party,
        anchor: datetime,
        due: datetime,
        number: int | None = None,
    ) -> Draft:
        draft = Draft(key, kind, party, anchor, due, number)
        self.drafts[key] = draft
        return draft

    def _next_number(self, series: str) -> int:
        self.counts[series] = self.counts.get(series, 0) + 1
        return self.counts[series]

    def _grade(self) -> Severity:
        return clock_severity(self.severity, self.sensitive, self.rules)

    def _clocks(self) -> GradeClocks:
        return self.rules.grades[self._grade()]

    def _upward_applies(self) -> bool:
        return self._clocks().upward is not None

    def _upward_anchor(self) -> datetime:
        assert self.county_receipt is not None
        if self.rules.upward_counted_from == "occurrence" and self.occurred_at is not None:
            return self.occurred_at
        return self.county_receipt

    def _update_window(self) -> timedelta:
        windows = self.rules.update_window_by_subtype
        return windows.get(self.subtype or "", self.rules.update_window)
