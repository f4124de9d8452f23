"""Keep an incident's stored obligations equal to what the rules say now, and log each change.

The rules are pure and recompute everything from the filings; this module turns stored rows into
their plain inputs and writes back only what moved, adding a timeline event for each move, and a
candidate finding (alerts/records/findings.py) for each finding newly raised."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

import rules.model as r
from alerts.config import Settings
from alerts.filing.chain import higher_names
from alerts.records.findings import sync_findings
from alerts.storage import models as m
from alerts.storage.inserts import inserted_all
from alerts.storage.queries import filings_of, obligations_of, waivers_of
from alerts.timeline import Timeline
from rules.chain import ReportAbove, is_above
from rules.escalation import Policy, due_firings
from rules.obligations import assess

FIGURES = ("dead", "missing", "seriously_injured", "injured", "trapped")


@dataclass(frozen=True)
class Reassessment:
    """The rules' answer and the stored obligations it now stands for, in the rules' order."""

    assessment: r.Assessment
    obligations: list[m.Obligation]


def reassess(
    session: Session,
    *,
    incident: m.Incident,
    unit_code: str,
    office_code: str,
    settings: Settings,
    now: datetime,
    filings: Sequence[m.Filing] | None = None,
    timeline: Timeline | None = None,
    is_new: bool = False,
) -> Reassessment:
    """Run the rules for `incident` at `now`; persist obligations, summary and timeline events.

    `is_new` says the incident was created in this transaction, so it has nothing stored yet."""
    rows = filings if filings is not None else filings_of(session, incident_id=incident.id)
    waivers = () if is_new else waivers_of(session, incident_id=incident.id)
    facts = r.Incident(
        unit=unit_code,
        office=office_code,
        filings=to_rule_filings(
            rows, higher=higher_names(session, office_id=incident.office_id, settings=settings)
        ),
        waivers=tuple(r.Waiver(w.obligation_key, w.at, w.reason) for w in waivers),
        archived_at=incident.archived_at,
    )
    assessment = assess(facts, settings.rules, now)
    timeline = timeline or Timeline(incident.id, now)
    stored = {} if is_new else {o.key: o for o in obligations_of(session, incident_id=incident.id)}
    owners = {r.Party.UNIT: incident.unit_id, r.Party.OFFICE: incident.office_id}
    obligations = sync_obligations(
        session,
        found=assessment.obligations,
        stored=stored,
        owed_by=lambda o: owners[o.party],
        new_row={"incident_id": incident.id},
        timeline=timeline,
        policy=settings.escalation,
    )
    _sync_summary(incident, assessment, timeline)
    sync_findings(
        session, incident=incident, assessment=assessment, obligations=obligations, at=timeline.at
    )
    timeline.write(session)
    return Reassessment(assessment, obligations)


def reassess_stored(
    session: Session, *, settings: Settings, incident: m.Incident, now: datetime
) -> Reassessment:
    """Re-assess a stored incident (its units looked up by id)."""
    owner = session.get(m.Unit, incident.unit_id)
    office = session.get(m.Unit, incident.office_id)
    assert owner is not None and office is not None
    return reassess(
        session,
        incident=incident,
        unit_code=owner.code,
        office_code=office.code,
        settings=settings,
        now=now,
    )


def to_rule_filings(rows: Sequence[m.Filing], *, higher: Sequence[str]) -> tuple[r.Filing, ...]:
    """Stored filings as the rules see them, with figures made cumulative per party; `higher`
    names the offices above the county (alerts/filing/chain.py)."""
    unit_figures: dict[str, Any] = {}  # what the unit itself has reported
    known: dict[str, Any] = {}  # what the office knows from any source
    result = []
    for row in sorted(rows, key=lambda f: (f.received_at, f.id)):
        p = row.payload
        stated = {k: v for k, v in (p.get("casualties") or {}).items() if v is not None}
        casualties = None
        if stated:
            known.update(stated)
            figures = known
            if row.party == "unit":
                unit_figures.update(stated)
                figures = unit_figures
            casualties = r.Casualties(**{k: figures.get(k, 0) for k in FIGURES})
        result.append(
            r.Filing(
                id=row.id,
                kind=r.FilingKind(row.kind),
                party=r.Party(row.party),
                received_at=row.received_at,
                occurred_at=_time(p.get("occurred_at")),
                learned_at=_time(p.get("learned_at")),
                category=r.Category(p["category"]) if p.get("category") else None,
                severity=r.Severity(p["severity"]) if p.get("severity") else None,
                sensitive=p.get("sensitive"),
                complete=row.complete,
                handling_finished=bool(p.get("handling_finished")),
                material_change=bool(p.get("material_change")),
                casualties=casualties,
                subtype=p.get("subtype"),
                reported_above=_reported_above(p, higher),
            )
        )
    return tuple(result)


def _time(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _reported_above(payload: dict[str, Any], higher: Sequence[str]) -> tuple[ReportAbove, ...]:
    return tuple(
        ReportAbove(datetime.fromisoformat(entry["at"]), entry.get("reason"))
        for entry in payload.get("already_reported_to") or []
        if is_above(entry.get("to", ""), entry.get("level"), higher)
    )


def sync_obligations(
    session: Session,
    *,
    found: Sequence[r.Obligation],
    stored: dict[str, m.Obligation],
    owed_by: Callable[[r.Obligation], int],
    new_row: dict[str, Any],
    timeline: Timeline,
    policy: Policy,
) -> list[m.Obligation]:
    """Make the stored rows match the rules' obligations `found`; new rows get `new_row`'s
    columns (the incident, or the instruction, they belong to). The rows, in the rules' order."""
    result: list[m.Obligation | None] = []  # None: a new row, inserted below
    added: list[dict[str, Any]] = []
    for obligation in found:
        values = _obligation_values(obligation, owed_by(obligation))
        row = stored.get(obligation.key)
        if row is None:
            added.append(
                {
                    **new_row,
                    "opened_at": timeline.at,
                    "updated_at": timeline.at,
                    "next_escalation_at": _first_look(obligation, policy, timeline.at),
                    **values,
                }
            )
            timeline.add("obligation_opened", _summary(obligation))
            if obligation.status is not r.Status.PENDING:
                timeline.add(f"obligation_{obligation.status.value}", _summary(obligation))
        else:
            _update_obligation(row, obligation, values, timeline)
        result.append(row)
    new_rows = iter(inserted_all(session, m.Obligation, added))
    return [row if row is not None else next(new_rows) for row in result]


def _update_obligation(
    row: m.Obligation, obligation: r.Obligation, values: dict[str, Any], timeline: Timeline
) -> None:
    changes = {k: v for k, v in values.items() if getattr(row, k) != v}
    if not changes:
        return
    if "due_at" in changes and row.status == "pending":
        timeline.add(
            "due_changed",
            {
                "key": row.key,
                "from": row.due_at.isoformat(),
                "to": obligation.due_at.isoformat(),
                "grace_after_raise": obligation.grace_after_raise,
            },
        )
    if "status" in changes:
        timeline.add(f"obligation_{obligation.status.value}", _summary(obligation))
    for name, value in changes.items():
        setattr(row, name, value)
    row.updated_at = timeline.at
    # let the engine re-plan the ladder at once: the due time or status moved
    row.next_escalation_at = timeline.at if _escalates(obligation) else None


def _first_look(obligation: r.Obligation, policy: Policy, now: datetime) -> datetime | None:
    """When the engine must first look at a new obligation's ladder: planned here, purely, so
    the engine need not visit every new obligation just to learn its reminder is hours away."""
    if not _escalates(obligation):
        return None
    ladder = policy.ladder(
        party=obligation.party.value,
        instruction=obligation.kind.value.startswith("instruction_"),
    )
    plan = due_firings(
        ladder,
        due_at=obligation.due_at,
        opened_at=now,
        fired=(),
        acks=(),
        ack_pause=policy.ack_pause,
        now=now,
    )
    return now if plan.due else plan.next_at


def _escalates(obligation: r.Obligation) -> bool:
    """Unreported obligations escalate, also once a missed cut-off has passed."""
    return obligation.still_owed


def _obligation_values(obligation: r.Obligation, owed_by: int) -> dict[str, Any]:
    return {
        "key": obligation.key,
        "kind": obligation.kind.value,
        "party": obligation.party.value,
        "owed_by_unit_id": owed_by,
        "number": obligation.number,
        "anchor_at": obligation.anchor_at,
        "due_at": obligation.due_at,
        "status": obligation.status.value,
        "met_at": obligation.met_at,
        "met_by_filing_id": obligation.met_by,
        "late_minutes": obligation.late_minutes,
        "after_chasing": obligation.after_chasing,
        "grace_after_raise": obligation.grace_after_raise,
        "reason": obligation.reason,
    }


def _summary(obligation: r.Obligation) -> dict[str, Any]:
    return {
        "key": obligation.key,
        "kind": obligation.kind.value,
        "owed_by": obligation.owed_by,
        "due_at": obligation.due_at.isoformat(),
        "status": obligation.status.value,
        "met_at": obligation.met_at.isoformat() if obligation.met_at else None,
        "late_minutes": obligation.late_minutes,
        "reason": obligation.reason,
    }


def _sync_summary(incident: m.Incident, assessment: r.Assessment, timeline: Timeline) -> None:
    severity = assessment.severity.value if assessment.severity else None
    if incident.severity != severity and incident.clock_severity:
        timeline.add("grade_changed", {"from": incident.severity, "to": severity})
    if incident.state != assessment.state.value and incident.state:
        timeline.add(
            "state_changed",
            {
                "from": incident.state,
                "to": assessment.state.value,
                "reopened": assessment.reopened,
            },
        )
    flags = [_flag(f) for f in assessment.flags]
    for flag in flags:
        if flag not in (incident.flags or []):
            timeline.add("flag_raised", flag)
    pending = [o.due_at for o in assessment.obligations if o.status is r.Status.PENDING]
    incident.severity = severity
    incident.clock_severity = assessment.clock_severity.value
    incident.state = assessment.state.value
    incident.flags = flags
    incident.next_due_at = min(pending, default=None)
    incident.next_change_at = assessment.next_change_at
    incident.updated_at = timeline.at


def _flag(flag: r.Flag) -> dict[str, Any]:
    return {
        "code": flag.code,
        "at": flag.at.isoformat(),
        "filing_id": flag.filing_id,
        "params": dict(flag.params),
    }
