"""What the Now page (值班台) shows: who is on duty, every open incident by its next due time
with the ladder's current rung and whether anyone acknowledged, and the open leader
instructions (批示) with each unit's running clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from alerts.dashboard.auth import Viewer
from alerts.roster.access import units_in_view
from alerts.roster.book import RosterBook
from alerts.storage import models as m
from alerts.storage.queries.board import open_incidents
from alerts.storage.queries.instruction_listing import InstructionLine, open_instructions
from alerts.storage.queries.units import unit_names


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
    """Open incidents the viewer may see, soonest due first (overdue ones first of all), in a
    fixed number of statements however many are open."""
    if viewer.sees_everything:
        found = open_incidents(session, office_ids=[u.id for u in units if u.is_office])
    else:
        found = open_incidents(session, unit_id=viewer.unit.id)
    names = unit_names(session)
    return [
        BoardRow(
            row.incident,
            names.get(row.incident.unit_id, ""),
            row.obligation,
            names.get(row.obligation.owed_by_unit_id, "") if row.obligation else "",
            row.rung,
            row.acknowledged_at,
        )
        for row in found
    ]


def board_instructions(
    session: Session, viewer: Viewer, units: list[m.Unit]
) -> list[InstructionLine]:
    """Open instructions the viewer may see, soonest due first: the office's, or those naming
    the viewer's unit (with its own line only)."""
    if viewer.sees_everything:
        return open_instructions(session, office_ids=[u.id for u in units if u.is_office])
    return open_instructions(session, unit_id=viewer.unit.id)
