"""What is owed, by whom and by when: a chronological walk over an incident's filings.

`assess` replays the filings oldest first and keeps a draft of every obligation. A filing first
meets what its party owes (against the due times as they stood), then a grade change re-plans what
is still pending, then the filing creates what it now makes owed. The same filings and `now`
always give the same answer, whatever order they are handed in."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from rules.grading import clock_severity, figures_rose, is_under_graded
from rules.model import (
    Assessment,
    Casualties,
    Category,
    Filing,
    FilingKind,
    Flag,
    Incident,
    IncidentState,
    Obligation,
    ObligationKind,
    Party,
    Severity,
    Status,
    Waiver,
)
from rules.ruleset import GradeClocks, Ruleset
from rules.schedule import daily_deadline_after, end_of_local_day

_GRADED = {ObligationKind.INITIAL, ObligationKind.UPWARD, ObligationKind.FOLLOWUP}
_WRITTEN_REPORTS = {FilingKind.INITIAL, FilingKind.FOLLOWUP}
_OFFICE_REPORTS = {FilingKind.UPWARD, FilingKind.FOLLOWUP}


@dataclass(frozen=True)
class _News:
    """Whether a filing tells the office, or the unit, of a material change."""

    to_office: bool
    to_unit: bool


@dataclass
class _Draft:
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
        return self.met_at is None and (self.waived_at is None or self.waived_at > moment)


def assess(incident: Incident, ruleset: Ruleset, now: datetime) -> Assessment:
    """Every obligation of `incident` with its status at `now`, its flags and next change."""
    walk = _Walk(incident, ruleset)
    for filing in sorted(incident.filings, key=lambda f: (f.received_at, f.id)):
        if filing.received_at <= now:
            walk.apply(filing)
    return walk.result(now)


class _Walk:
    def __init__(self, incident: Incident, ruleset: Ruleset) -> None:
        self.incident = incident
        self.rules = ruleset
        self.drafts: dict[str, _Draft] = {}
        self.flags: list[Flag] = []
        self.severity: Severity | None = None
        self.sensitive = False
        self.category: Category | None = None
        self.subtype: str | None = None
        self.occurred_at: datetime | None = None
        self.county_receipt: datetime | None = None
        self.registered_at: datetime | None = None
        self.unit_learned_at: datetime | None = None
        self.unit_figures: Casualties | None = None
        self.known_figures: Casualties | None = None  # the latest figures from any source
        self.unit_has_written = False
        self.grade_before = Severity.IV  # the clock grade before the filing being applied
        self.handling_finished_at: datetime | None = None
        self.closed_at: datetime | None = None
        self.reopened = False
        self.counts: dict[str, int] = {}

    # -- the walk -------------------------------------------------------------------------
    def apply(self, filing: Filing) -> None:
        t = filing.received_at
        old_grade = self._grade() if self.county_receipt is not None else None
        news = self._absorb_facts(filing)
        self.grade_before = old_grade or self._grade()
        self._note_findings(filing)
        if filing.party is Party.UNIT:
            self._unit_report(filing, news)
        else:
            self._office_filing(filing, news)
        grade_changed = old_grade is not None and old_grade is not self._grade()
        if grade_changed:
            self._regrade(t)
        self._ensure_upward(t, late_start=grade_changed)

    def _absorb_facts(self, filing: Filing) -> _News:
        """Take what the filing states, and say to whom it is a material change."""
        if self.county_receipt is None:
            self.county_receipt = filing.received_at
            if filing.kind is FilingKind.REGISTER:
                self.registered_at = filing.received_at
        raised = (
            filing.severity is not None
            and self.severity is not None
            and (filing.severity.is_more_serious_than(self.severity))
        )
        self.occurred_at = self.occurred_at or filing.occurred_at
        self.category = filing.category or self.category
        self.subtype = filing.subtype or self.subtype
        if filing.severity is not None:
            self.severity = filing.severity
        if filing.sensitive is not None:
            self.sensitive = filing.sensitive
        if filing.party is Party.UNIT and self.unit_learned_at is None and filing.learned_at:
            self.unit_learned_at = filing.learned_at
        flagged = raised or filing.material_change
        news = _News(
            to_office=flagged or figures_rose(self.known_figures, filing.casualties),
            to_unit=flagged or figures_rose(self.unit_figures, filing.casualties),
        )
        if filing.casualties is not None:
            self.known_figures = filing.casualties
            if filing.party is Party.UNIT:
                self.unit_figures = filing.casualties
        return news

    def _unit_report(self, filing: Filing, news: _News) -> None:
        t = filing.received_at
        self._ensure_initial(t)
        initial = self.drafts.get("initial")
        if initial and initial.met_at is None and self.unit_learned_at and not initial.grace:
            # the unit's own learned_at re-anchors K1 (scenario 6)
            initial.anchor_at = self.unit_learned_at
            initial.due_at = self.unit_learned_at + self.rules.grades[self.grade_before].initial
        if filing.kind is FilingKind.PHONE:
            if filing.complete:
                self._meet(Party.UNIT, filing, {ObligationKind.INITIAL})
                self._plan_written(t)
            return
        if filing.kind is FilingKind.FINAL:
            self._finish_handling(t)
            self._meet(Party.UNIT, filing, set(ObligationKind))
            self.closed_at = t
            self.reopened = False
            return
        if filing.kind not in _WRITTEN_REPORTS:
            return
        self.unit_has_written = True
        self._meet(Party.UNIT, filing, set(ObligationKind) - {ObligationKind.FINAL})
        if self.reopened and not self._pending(Party.UNIT, ObligationKind.CHANGE, t):
            self.reopened = False
        if filing.handling_finished:
            self._finish_handling(t)
        elif self.handling_finished_at is None:
            self._plan_followup(Party.UNIT, t)
        if news.to_office:
            self._plan_office_change(t)

    def _office_filing(self, filing: Filing, news: _News) -> None:
        t = filing.received_at
        if filing.kind is FilingKind.REGISTER:
            self._register(filing, news)
            if filing.handling_finished:  # the duty room declares handling finished (处置结束)
                self._finish_handling(t)
        elif filing.kind in _OFFICE_REPORTS:
            self._meet(Party.OFFICE, filing, set(ObligationKind) - {ObligationKind.FINAL})
            if filing.handling_finished:
                self._finish_handling(t)
            elif self.handling_finished_at is None and self._upward_applies():
                self._plan_followup(Party.OFFICE, t)
        elif filing.kind is FilingKind.FINAL:
            self._finish_handling(t)
            self._meet(Party.OFFICE, filing, set(ObligationKind))
            if self.incident.owned_by_office:
                self.closed_at = t

    def _register(self, filing: Filing, news: _News) -> None:
        """Information the office learned elsewhere: chases the unit (K1, or K6 on a change),
        and owes the city a change report if it had already reported upward."""
        t = filing.received_at
        self._ensure_initial(t)
        if news.to_office:
            self._plan_office_change(t)
        unit_has_reported = self.drafts.get("initial") is None or (
            self.drafts["initial"].met_at is not None
        )
        if not (unit_has_reported and news.to_unit):
            return
        if self.closed_at is not None:
            if t - self.closed_at > self._update_window():
                return
            self.reopened = True
        self._plan_change(Party.UNIT, t)

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
        """DOMAIN.md §3: late stays late; a clock that now applies and has passed gets grace."""
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

    def _set_due(self, draft: _Draft, due: datetime | None, t: datetime) -> None:
        if due is None:
            draft.waived_at, draft.reason = t, "grade_lowered"
        elif due < t:
            draft.due_at, draft.grace = t + self.rules.raised_grade_grace, True
        else:
            draft.due_at, draft.grace = due, False

    def _due_for(self, draft: _Draft) -> datetime | None:
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

    # -- findings -------------------------------------------------------------------------
    def _note_findings(self, filing: Filing) -> None:
        t = filing.received_at
        implied = is_under_graded(self.severity, self.category, filing.casualties, self.rules)
        if implied is not None:
            graded: dict[str, str | int] = {"implied": implied.value, "stated": self._stated()}
            self.flags.append(Flag("under_graded", t, filing.id, graded, implied))
        if filing.party is not Party.UNIT:
            return
        if filing.reported_above_at is not None and filing.reported_above_at < t:
            self.flags.append(Flag("chain_breach", t, filing.id))
        first_report = "initial" in self.drafts and self.drafts["initial"].met_at is None
        suspected = any(f.code == "concealment_suspected" for f in self.flags)
        if self.registered_at and first_report and self.unit_learned_at and not suspected:
            knew_for = t - self.unit_learned_at
            if knew_for >= self.rules.concealment_suspected_after:
                knew: dict[str, str | int] = {"minutes": int(knew_for.total_seconds() // 60)}
                self.flags.append(Flag("concealment_suspected", t, filing.id, knew))

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
    ) -> _Draft:
        draft = _Draft(key, kind, party, anchor, due, number)
        self.drafts[key] = draft
        return draft

    def _next_number(self, series: str) -> int:
        self.counts[series] = self.counts.get(series, 0) + 1
        return self.counts[series]

    def _grade(self) -> Severity:
        return clock_severity(self.severity, self.sensitive, self.rules)

    def _clocks(self) -> GradeClocks:
        return self.rules.grades[self._grade()]

    def _stated(self) -> str:
        return self.severity.value if self.severity else "ungraded"

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

    # -- the answer -----------------------------------------------------------------------
    def result(self, now: datetime) -> Assessment:
        waivers = {w.key: w for w in self.incident.waivers if w.at <= now}
        obligations = tuple(self._settle(d, waivers, now) for d in self.drafts.values())
        for obligation in obligations:
            if obligation.key == "initial" and obligation.after_chasing:
                at = obligation.met_at or now
                self.flags.append(Flag("after_chasing", at, obligation.met_by))
        moments = []
        for draft, obligation in zip(self.drafts.values(), obligations, strict=True):
            if obligation.status is Status.PENDING:
                moments += [m for m in (draft.due_at, draft.missed_after) if m and m > now]
        return Assessment(
            obligations=obligations,
            state=self._state(),
            severity=self.severity,
            clock_severity=self._grade(),
            flags=tuple(self.flags),
            next_change_at=min(moments, default=None),
            reopened=self.reopened,
        )

    def _state(self) -> IncidentState:
        if self.closed_at is not None and not self.reopened:
            return IncidentState.CLOSED
        if self.handling_finished_at is not None and not self.reopened:
            return IncidentState.HANDLING_FINISHED
        return IncidentState.OPEN

    def _settle(self, draft: _Draft, waivers: dict[str, Waiver], now: datetime) -> Obligation:
        owed_by = self.incident.unit if draft.party is Party.UNIT else self.incident.office
        waived_at, reason = draft.waived_at, draft.reason
        waiver = waivers.get(draft.key)
        if waiver is not None and (draft.met_at is None or draft.met_at > waiver.at):
            waived_at, reason = waiver.at, waiver.reason
        met_at, met_by, late = draft.met_at, draft.met_by, None
        if waived_at is not None and (met_at is None or met_at > waived_at):
            status, met_at, met_by = Status.WAIVED, None, None  # a report after it meets nothing
        elif met_at is None:
            status = Status.PENDING
        elif met_at > draft.due_at:
            status, late = Status.LATE, math.ceil((met_at - draft.due_at).total_seconds() / 60)
        else:
            status = Status.MET
        cutoff = draft.missed_after
        if cutoff and status in (Status.PENDING, Status.LATE) and (met_at or now) >= cutoff:
            status, reason = Status.MISSED, "not_reported_by_cutoff"
        return Obligation(
            key=draft.key,
            kind=draft.kind,
            party=draft.party,
            owed_by=owed_by,
            anchor_at=draft.anchor_at,
            due_at=draft.due_at,
            status=status,
            number=draft.number,
            met_at=met_at,
            met_by=met_by,
            late_minutes=late,
            after_chasing=self._chased_before(draft),
            grace_after_raise=draft.grace,
            reason=reason,
        )

    def _chased_before(self, draft: _Draft) -> bool:
        if draft.met_at is None:
            return False
        if draft.key == "initial" and self.registered_at is not None:
            return self.registered_at < draft.met_at
        return any(c.key == draft.key and c.at < draft.met_at for c in self.incident.chases)
