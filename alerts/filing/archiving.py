"""Archiving (归档) an incident: the information section puts the file away once the final
report is in (DOMAIN scenario 9). From then the incident takes no filing, waiver or
instruction, and leaves the Now board. The rules read `archived_at` (rules.obligations.archive):
a clock not yet due stops, one overdue is missed. Used by the dashboard and the API; nothing here
commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import Conflict, Forbidden
from alerts.filing.assessments import reassess_stored
from alerts.storage import models as m
from alerts.timeline import Timeline
from rules.model import IncidentState
from rules.obligations import may_archive

BY_MAX = 100


def archive(
    session: Session,
    *,
    settings: Settings,
    incident: m.Incident,
    office: m.Unit,
    by: str,
    now: datetime,
) -> None:
    """Archive `incident` for `office` (the office it was reported to) and re-assess it."""
    if not (office.is_office and office.id == incident.office_id):
        raise Forbidden()
    if incident.archived_at is not None:
        raise Conflict("incident_archived")
    if not may_archive(IncidentState(incident.state)):
        raise Conflict("final_report_missing")
    incident.archived_at, incident.archived_by = now, by[:BY_MAX]
    timeline = Timeline(incident.id, now)
    timeline.add("incident_archived", {"by": incident.archived_by})
    timeline.write(session)
    reassess_stored(session, settings=settings, incident=incident, now=now)


def refuse_if_archived(incident: m.Incident | None) -> None:
    """An archived incident is read-only: Conflict for anything that would change it."""
    if incident is not None and incident.archived_at is not None:
        raise Conflict("incident_archived")
