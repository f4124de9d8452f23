"""Drafting an upward report (拟稿): a new one prefilled from the units' reports, and edits to
it, every field open (统一口径), until a leader decides on it (alerts/upward/decisions.py).
An incident has at most one undecided report at a time; a 续报 or 终报 follows an approved
首报. Refuses (alerts.errors) before anything is written; never commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Conflict, FieldProblem, Forbidden, Invalid, NotFound, invalid
from alerts.filing.archiving import refuse_if_archived
from alerts.storage import models as m
from alerts.storage.queries import filings_of, obligations_of
from alerts.timeline import Timeline
from alerts.upward.fields import FIELDS, KINDS, checked, prefill

UNDECIDED = ("draft", "returned")
OWED_KINDS = ("upward", "followup", "change", "final")  # what the office owes its parent
BY_MAX = 100


def reports_of(session: Session, *, incident_id: int) -> Sequence[m.UpwardReport]:
    """The incident's upward reports, oldest first."""
    return session.scalars(
        select(m.UpwardReport)
        .where(m.UpwardReport.incident_id == incident_id)
        .order_by(m.UpwardReport.id)
    ).all()


def report_to_act_on(
    session: Session, report_id: int, office: m.Unit
) -> tuple[m.UpwardReport, m.Incident]:
    """The report with this id and its incident: NotFound, or Forbidden for another office's."""
    report = session.get(m.UpwardReport, report_id)
    incident = session.get(m.Incident, report.incident_id) if report else None
    if report is None or incident is None:
        raise NotFound("upward_not_found")
    check_office(office, incident)
    return report, incident


def check_office(office: m.Unit, incident: m.Incident) -> None:
    """Only the office the incident was reported to reports it upward."""
    if not (office.is_office and office.id == incident.office_id):
        raise Forbidden()


def next_kind(reports: Sequence[m.UpwardReport], incident: m.Incident) -> str:
    """What the office owes its parent next: a 首报 until one is approved, then 续报, and a
    终报 once handling is finished."""
    if not any(x.kind == "first" and x.state == "approved" for x in reports):
        return "first"
    return "followup" if incident.state == "open" else "final"


def owed_upward(session: Session, incident: m.Incident) -> m.Obligation | None:
    """The office's next still-owed report to its parent (K4, a follow-up, a change report or
    its 终报): the clock a draft's countdown shows."""
    owed = [
        o
        for o in obligations_of(session, incident_id=incident.id)
        if o.party == "office" and o.kind in OWED_KINDS and o.still_owed
    ]
    return min(owed, key=lambda o: o.due_at, default=None)


def proposal(
    session: Session,
    *,
    settings: Settings,
    incident: m.Incident,
    kind: str | None = None,
    reporter: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The kind a new report would be and the fields it would start from."""
    reports = reports_of(session, incident_id=incident.id)
    kind = kind if kind in KINDS else next_kind(reports, incident)
    filings = filings_of(session, incident_id=incident.id)
    zone = settings.rules.timezone
    return kind, prefill(incident, filings, kind, reporter=reporter, zone=zone)


def compose(
    session: Session,
    *,
    settings: Settings,
    incident: m.Incident,
    office: m.Unit,
    kind: str | None,
    parent: str | None,
    fields: Mapping[str, Any],
    reporter: Mapping[str, str] | None,
    by: str,
    now: datetime,
) -> m.UpwardReport:
    """A new draft of `kind` (the one owed next when None) to `parent` (the first configured
    when None): prefilled, with `fields` over it (a None value clears a prefilled field)."""
    check_office(office, incident)
    refuse_if_archived(incident)
    parent = _parent(settings, parent)
    reports = reports_of(session, incident_id=incident.id)
    if kind is not None and kind not in KINDS:
        raise invalid("kind", "choice", choices=", ".join(KINDS))
    kind = kind or next_kind(reports, incident)
    _check_sequence(reports, kind, parent)
    filings = filings_of(session, incident_id=incident.id)
    start = prefill(incident, filings, kind, reporter=reporter, zone=settings.rules.timezone)
    given = _known(kind, fields)
    values = {k: v for k, v in {**start, **given}.items() if v is not None}
    report = m.UpwardReport(
        incident_id=incident.id,
        office_id=office.id,
        parent=parent,
        kind=kind,
        number=_number(reports, kind),
        state="draft",
        fields=checked_fields(settings, reports, kind, values, now),
        drafted_by=_by(by),
        drafted_at=now,
        updated_by=_by(by),
        updated_at=now,
    )
    session.add(report)
    session.flush()
    timeline = Timeline(incident.id, now)
    timeline.add("upward_drafted", event(report, by=report.drafted_by))
    timeline.write(session)
    return report


def edit(
    session: Session,
    *,
    settings: Settings,
    report: m.UpwardReport,
    incident: m.Incident,
    fields: Mapping[str, Any],
    by: str,
    now: datetime,
) -> m.UpwardReport:
    """Change a draft's fields (a None value clears one); a returned report becomes a draft
    again, for the leader to decide anew."""
    refuse_if_archived(incident)
    if report.state not in UNDECIDED:
        raise Conflict("upward_decided", state=report.state)
    given = _known(report.kind, fields)
    values = {k: v for k, v in {**report.fields, **given}.items() if v is not None}
    others = [x for x in reports_of(session, incident_id=incident.id) if x.id != report.id]
    report.fields = checked_fields(settings, others, report.kind, values, now)
    report.state, report.updated_by, report.updated_at = "draft", _by(by), now
    timeline = Timeline(incident.id, now)
    timeline.add("upward_edited", event(report, by=report.updated_by))
    timeline.write(session)
    return report


def checked_fields(
    settings: Settings,
    reports: Sequence[m.UpwardReport],
    kind: str,
    values: Mapping[str, Any],
    now: datetime,
) -> dict[str, Any]:
    """`values` checked as the parent will check them, against what it was told before."""
    return checked(
        kind,
        values,
        now=now,
        skew=settings.rules.clock_skew,
        figures_before=figures_told(reports),
    )


def figures_told(reports: Sequence[m.UpwardReport]) -> dict[str, Any]:
    """The cumulative figures the approved reports gave the parent."""
    figures: dict[str, Any] = {}
    for report in reports:
        if report.state == "approved":
            figures |= {
                k: v for k, v in (report.fields.get("casualties") or {}).items() if v is not None
            }
    return figures


def event(report: m.UpwardReport, **more: Any) -> dict[str, Any]:
    """A timeline event's data about `report`."""
    return {
        "report_id": report.id,
        "kind": report.kind,
        "number": report.number,
        "parent": report.parent,
        **more,
    }


def _parent(settings: Settings, name: str | None) -> str:
    parents = settings.upward.parents
    if not parents:
        raise Conflict("upward_no_parent")
    if name is None:
        return parents[0].name
    if settings.upward.parent(name) is None:
        raise invalid("parent", "choice", choices=", ".join(p.name for p in parents))
    return name


def _check_sequence(reports: Sequence[m.UpwardReport], kind: str, parent: str) -> None:
    undecided = next((x for x in reports if x.state in UNDECIDED), None)
    if undecided is not None:
        raise Conflict("upward_draft_open", report_id=undecided.id)
    approved = {x.kind for x in reports if x.state == "approved" and x.parent == parent}
    if kind == "first" and "first" in approved:
        raise Conflict("upward_first_exists")
    if kind != "first" and "first" not in approved:
        raise Conflict("upward_first_needed")
    if kind != "first" and "final" in approved:
        raise Conflict("upward_final_exists")


def _known(kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    strange = [FieldProblem(k, "not_allowed_here") for k in fields if k not in FIELDS[kind]]
    if strange:
        raise Invalid(*strange)
    return dict(fields)


def _number(reports: Sequence[m.UpwardReport], kind: str) -> int | None:
    if kind != "followup":
        return None
    return 1 + sum(1 for x in reports if x.kind == "followup" and x.state == "approved")


def _by(name: str) -> str:
    return (name.strip() or "-")[:BY_MAX]
