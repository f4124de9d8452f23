"""What is owed, by whom and by when: a chronological walk over an incident's filings.

`assess` replays the filings oldest first and keeps a draft of every obligation (rules/ledger.py
holds the drafts and the planning moves). A filing first meets what its party owes (against the
due times as they stood), then a grade change re-plans what is still pending, then the filing
creates what it now makes owed. The same filings and `now` always give the same answer, whatever
order they are handed in."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from rules.chain import breaches_chain
from rules.grading import figures_rose, is_under_graded
from rules.ledger import Draft, Ledger
from rules.model import (
    Assessment,
    Filing,
    FilingKind,
    Flag,
    Incident,
    IncidentState,
    Obligation,
    ObligationKind,
    Party,
    Status,
    Waiver,
)
from rules.ruleset import Ruleset

_WRITTEN_REPORTS = {FilingKind.INITIAL, FilingKind.FOLLOWUP}
_OFFICE_REPORTS = {FilingKind.UPWARD, FilingKind.FOLLOWUP}


@dataclass(frozen=True)
class _News:
    """Whether a filing tells the office, or the unit, of a material change."""

    to_office: bool
    to_unit: bool


def assess(incident: Incident, ruleset: Ruleset, now: datetime) -> Assessment:
    """Every obligation of `incident` with its status at `now`, its flags and next change."""
    walk = _Walk(incident, ruleset)
    for filing in sorted(incident.filings, key=lambda f: (f.received_at, f.id)):
        if filing.received_at <= now:
            walk.apply(filing)
    archived_at = incident.archived_at
    if archived_at is not None and archived_at <= now:
        walk.archive(archived_at)
    return walk.result(now)


def may_archive(state: IncidentState) -> bool:
    """Only a closed incident (its final report in) may be archived (DOMAIN scenario 9)."""
    return state is IncidentState.CLOSED


class _Walk(Ledger):
    """Applies an incident's filings one at a time, then settles every draft at `now`."""

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

    # -- findings -------------------------------------------------------------------------
    def _note_findings(self, filing: Filing) -> None:
        t = filing.received_at
        implied = is_under_graded(self.severity, self.category, filing.casualties, self.rules)
        if implied is not None:
            graded: dict[str, str | int] = {"implied": implied.value, "stated": self._stated()}
            self.flags.append(Flag("under_graded", t, filing.id, graded, implied))
        if filing.party is not Party.UNIT:
            return
        self.unit_first_report_at = self.unit_first_report_at or t
        breached = any(f.code == "chain_breach" for f in self.flags)
        if not breached and breaches_chain(
            filing.reported_above, self.unit_first_report_at, self.rules.chain
        ):
            self.flags.append(Flag("chain_breach", t, filing.id))
        first_report = "initial" in self.drafts and self.drafts["initial"].met_at is None
        suspected = any(f.code == "concealment_suspected" for f in self.flags)
        if self.registered_at and first_report and self.unit_learned_at and not suspected:
            knew_for = t - self.unit_learned_at
            if knew_for >= self.rules.concealment_suspected_after:
                knew: dict[str, str | int] = {"minutes": int(knew_for.total_seconds() // 60)}
                self.flags.append(Flag("concealment_suspected", t, filing.id, knew))

    def _stated(self) -> str:
        return self.severity.value if self.severity else "ungraded"

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

    def archive(self, t: datetime) -> None:
        """归档: the file is put away. A clock not yet due stops; one already overdue is missed,
        as it would be at its cutoff: nothing can meet it any more."""
        self.archived_at = t
        for draft in self.drafts.values():
            if not draft.is_open_at(t):
                continue
            if draft.due_at > t:
                draft.waived_at, draft.reason = t, "archived"
            else:
                draft.missed_after = min(draft.missed_after or t, t)

    def _state(self) -> IncidentState:
        if self.archived_at is not None:
            return IncidentState.ARCHIVED
        if self.closed_at is not None and not self.reopened:
            return IncidentState.CLOSED
        if self.handling_finished_at is not None and not self.reopened:
            return IncidentState.HANDLING_FINISHED
        return IncidentState.OPEN

    def _settle(self, draft: Draft, waivers: dict[str, Waiver], now: datetime) -> Obligation:
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

    def _chased_before(self, draft: Draft) -> bool:
        if draft.met_at is None:
            return False
        if draft.key == "initial" and self.registered_at is not None:
            return self.registered_at < draft.met_at
        return any(c.key == draft.key and c.at < draft.met_at for c in self.incident.chases)
