"""What the Now page (值班台) shows: who is on duty, and every open incident by its next due time
with the ladder's current rung and whether anyone acknowledged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.dashboard.auth import Viewer
from alerts.roster.access import units_in_view
from alerts.roster.book import RosterBook
from alerts.storage import models as m


@dataclass(frozen=True)
class DutyLine:
    """One unit's duty officer and leader on duty now (empty tuple: nobody, a gap)."""

    unit: m.Unit
    duty_officers: tuple[m.Person, ...]
    leaders_on_duty: tuple[m.Person, ...]


@dataclass(frozen=True)
class BoardRow:
    """One open incident at its most urgent obligation."""

    incident: m.Incident
    unit_name: str
    obligation: m.Obligation | None
    owed_by: str
    rung: m.Escalation | None
    acknowledged_at: datetime | None


def visible_units(session: Session, viewer: Viewer) -> list[m.Unit]:
    """The viewer's own unit, or the office and every unit reporting to it (the one rule of
    alerts/roster/access.py: everyone but a unit officer acts for the office), office first."""
    units = units_in_view(session, unit=viewer.unit, for_office=viewer.sees_everything)
    return sorted(units, key=lambda u: not u.is_office)  # stable: by code after the office


def duty_lines(
    session: Session, units: list[m.Unit], roster: RosterBook, now: datetime
) -> list[DutyLine]:
    """Who is on duty now in each unit."""
    return [
        DutyLine(
            unit,
            tuple(roster.holders(session, unit_id=unit.id, role="duty_officer", at=now)),
            tuple(roster.holders(session, unit_id=unit.id, role="leader_on_duty", at=now)),
        )
        for unit in units
    ]


def board_rows(session: Session, viewer: Viewer, units: list[m.Unit]) -> list[BoardRow]:
    """Open incidents the viewer may see, soonest due first (overdue ones first of all)."""
    names = {u.id: u.name for u in session.scalars(select(m.Unit))}
    query = select(m.Incident).where(m.Incident.state != "closed")
    if viewer.sees_everything:
        query = query.where(m.Incident.office_id.in_([u.id for u in units if u.is_office] or [0]))
    else:
        query = query.where(m.Incident.unit_id == viewer.unit.id)
    incidents = session.scalars(
        query.order_by(m.Incident.next_due_at.is_(None), m.Incident.next_due_at, m.Incident.id)
    ).all()
    rows = []
    for incident in incidents:
        obligation = session.scalar(
            select(m.Obligation)
            .where(
                m.Obligation.incident_id == incident.id,
                m.Obligation.still_owed,
            )
            .order_by(m.Obligation.due_at)
            .limit(1)
        )
        rung = ack = None
        if obligation is not None:
            rung = session.scalar(
                select(m.Escalation)
                .where(m.Escalation.obligation_id == obligation.id)
                .order_by(m.Escalation.fired_at.desc(), m.Escalation.id.desc())
                .limit(1)
            )
            ack = session.scalar(
                select(func.max(m.Acknowledgement.at)).where(
                    m.Acknowledgement.obligation_id == obligation.id
                )
            )
        owed = names.get(obligation.owed_by_unit_id, "") if obligation else ""
        rows.append(
            BoardRow(incident, names.get(incident.unit_id, ""), obligation, owed, rung, ack)
        )
    return rows
