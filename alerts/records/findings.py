"""Findings (认定) as stored: a candidate for each finding the rules raise on an incident, and
the information section's decisions about them (confirm, dismiss, reopen), each with a reason,
written evidence and files, put on the incident's timeline. Who may decide: a section head (or
an admin) on the dashboard and the CLI, the incident's office by its token on the API; a unit
only reads its own. The records page scores a finding only once it is confirmed.

Refuses (alerts.errors) before anything is written; never commits."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

import rules.model as r
from alerts.errors import Conflict, FieldProblem, Invalid, NotFound
from alerts.records.evidence import EvidenceFile
from alerts.storage import models as m
from alerts.storage.queries.findings import decisions_of, evidence_of, finding_keys, findings_of
from alerts.timeline import Timeline
from rules.findings import Decision, FindingState, moves_from, needs_evidence, next_state, raised

DECIDER_ROLES = frozenset({"section_head", "admin"})  # dashboard roles that may decide
REASON_MAX = 2000
EVIDENCE_MAX = 10_000
BY_MAX = 100
EVENTS = {
    Decision.CONFIRM: "finding_confirmed",
    Decision.DISMISS: "finding_dismissed",
    Decision.REOPEN: "finding_reopened",
}


def sync_findings(
    session: Session,
    *,
    incident: m.Incident,
    assessment: r.Assessment,
    obligations: Sequence[m.Obligation],
    at: datetime,
) -> list[m.Finding]:
    """Store a candidate for each finding the assessment raises that the incident has no row
    for yet (a finding once raised stays, whatever the rules say later); the new rows."""
    found = raised(assessment, at)
    if not found:
        return []
    stored = finding_keys(session, incident_id=incident.id)
    rows = {o.key: o for o in obligations}
    added = []
    for finding in found:
        if finding.key in stored:
            continue
        obligation = rows.get(finding.obligation_key or "")
        added.append(
            m.Finding(
                incident_id=incident.id,
                unit_id=obligation.owed_by_unit_id if obligation else incident.unit_id,
                kind=finding.kind,
                key=finding.key,
                state=FindingState.CANDIDATE.value,
                raised_at=finding.at,
                obligation_id=obligation.id if obligation else None,
                filing_id=finding.filing_id,
                params=finding.params,
                updated_at=at,
            )
        )
    session.add_all(added)
    return added


def finding_by_id(session: Session, finding_id: int) -> tuple[m.Finding, m.Incident]:
    """The finding with this id and its incident; NotFound when there is none."""
    finding = session.get(m.Finding, finding_id)
    incident = session.get(m.Incident, finding.incident_id) if finding else None
    if finding is None or incident is None:
        raise NotFound("finding_not_found")
    return finding, incident


def office_decides(caller: m.Unit, incident: m.Incident) -> bool:
    """On the API only the office the incident was reported to decides its findings."""
    return caller.is_office and caller.id == incident.office_id


def may_read(caller: m.Unit, incident: m.Incident) -> bool:
    """The incident's unit and its office read its findings (the API's rule for incidents)."""
    return incident.unit_id == caller.id or office_decides(caller, incident)


def decide(
    session: Session,
    *,
    finding: m.Finding,
    decision: str,
    reason: str,
    evidence: str = "",
    files: Sequence[EvidenceFile] = (),
    by: str,
    user_id: int | None = None,
    now: datetime,
) -> m.FindingDecision:
    """Move `finding` by `decision` with a reason (and evidence), record who and when, and put
    it on the incident's timeline. Refused, nothing written: Invalid for a bad decision, reason
    or evidence; Conflict when the finding's state does not allow it (or changed meanwhile)."""
    move, reason, evidence = _checked(decision, reason, evidence)
    state = FindingState(finding.state)
    target = next_state_or_conflict(state, move)
    if needs_evidence(finding.kind, move) and not (evidence or files):
        raise Invalid(FieldProblem("evidence", "evidence_required"))
    # compare and set: of two deciders at once, the second finds the state moved (409)
    moved = session.execute(
        update(m.Finding)
        .where(m.Finding.id == finding.id, m.Finding.state == state.value)
        .values(state=target.value, updated_at=now)
        .execution_options(synchronize_session="fetch")
    )
    if cast("CursorResult[Any]", moved).rowcount != 1:
        raise Conflict("finding_changed")
    row = m.FindingDecision(
        finding_id=finding.id,
        decision=move.value,
        from_state=state.value,
        to_state=target.value,
        at=now,
        by=by[:BY_MAX],
        user_id=user_id,
        reason=reason,
        evidence=evidence,
    )
    session.add(row)
    session.flush()
    session.add_all(
        m.FindingEvidence(
            finding_id=finding.id,
            decision_id=row.id,
            filename=f.filename,
            media_type=f.media_type,
            size=len(f.data),
            sha256=f.sha256,
            data=f.data,
            added_at=now,
        )
        for f in files
    )
    timeline = Timeline(finding.incident_id, now)
    timeline.add(
        EVENTS[move],
        {
            "finding_id": finding.id,
            "kind": finding.kind,
            "key": finding.key,
            "from": state.value,
            "to": target.value,
            "by": row.by,
            "reason": reason,
            "files": [f.filename for f in files],
        },
    )
    timeline.write(session)
    session.flush()
    return row


def next_state_or_conflict(state: FindingState, move: Decision) -> FindingState:
    """Where `move` takes a finding in `state`; Conflict when it cannot."""
    target = next_state(state, move)
    if target is None:
        raise Conflict("finding_move_not_allowed", decision=move.value, state=state.value)
    return target


def _checked(decision: str, reason: str, evidence: str) -> tuple[Decision, str, str]:
    problems = []
    move = next((d for d in Decision if d.value == decision), None)
    if move is None:
        choices = ", ".join(d.value for d in Decision)
        problems.append(FieldProblem("decision", "choice", {"choices": choices}))
    reason, evidence = (reason or "").strip(), (evidence or "").strip()
    if not reason:
        problems.append(FieldProblem("reason", "required"))
    elif len(reason) > REASON_MAX:
        problems.append(FieldProblem("reason", "too_long", {"max": REASON_MAX}))
    if len(evidence) > EVIDENCE_MAX:
        problems.append(FieldProblem("evidence", "too_long", {"max": EVIDENCE_MAX}))
    if problems or move is None:
        raise Invalid(*problems)
    return move, reason, evidence


# -- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class DecisionLine:
    """A decision and the files given with it."""

    decision: m.FindingDecision
    files: list[m.FindingEvidence]


@dataclass(frozen=True)
class FindingLine:
    """A finding as people see it: its decisions oldest first, whether what raised it still
    stands (the report still missed, the flag still raised), whether it counts in the score,
    and the decisions open to it."""

    finding: m.Finding
    decisions: list[DecisionLine]
    stands: bool
    moves: tuple[str, ...]

    @property
    def counts(self) -> bool:
        """Confirmed, on what still stands: it takes points off the unit's score."""
        return self.stands and self.finding.state == FindingState.CONFIRMED.value


def findings_on(session: Session, incident: m.Incident) -> list[FindingLine]:
    """The incident's findings, oldest first, with their decisions and files."""
    rows = findings_of(session, incident_id=incident.id)
    return lines(session, incident, rows)


def lines(session: Session, incident: m.Incident, rows: Sequence[m.Finding]) -> list[FindingLine]:
    """These findings of `incident` as FindingLines."""
    ids = [f.id for f in rows]
    files: dict[int, list[m.FindingEvidence]] = {}
    for file in evidence_of(session, finding_ids=ids):
        files.setdefault(file.decision_id, []).append(file)
    decisions: dict[int, list[DecisionLine]] = {}
    for d in decisions_of(session, finding_ids=ids):
        decisions.setdefault(d.finding_id, []).append(DecisionLine(d, files.get(d.id, [])))
    codes = {f.get("code") for f in incident.flags or [] if isinstance(f, dict)}
    return [
        FindingLine(
            f,
            decisions.get(f.id, []),
            _stands(session, f, codes),
            tuple(d.value for d in moves_from(FindingState(f.state))),
        )
        for f in rows
    ]


def _stands(session: Session, finding: m.Finding, codes: set[object]) -> bool:
    if finding.obligation_id is None:
        return finding.key in codes
    obligation = session.get(m.Obligation, finding.obligation_id)
    return obligation is not None and obligation.status == r.Status.MISSED.value


def scored(
    states: dict[tuple[int, str], str], incident_id: int | None, key: str
) -> dict[str, bool]:
    """rules/compliance.py's `confirmed` and `dismissed` of the finding (incident, key), from
    the stored states (finding_states); a finding not stored yet is a candidate."""
    state = states.get((incident_id, key), "") if incident_id is not None else ""
    return {
        "confirmed": state == FindingState.CONFIRMED.value,
        "dismissed": state == FindingState.DISMISSED.value,
    }
