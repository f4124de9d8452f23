"""What the Now page (值班台) shows: who is on duty, the most urgent open incidents (every one
on asking, all of them counted) with the ladder's current rung and whether anyone
acknowledged, and the open leader instructions (批示) with each unit's running clock."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from alerts.dashboard.auth import Viewer
from alerts.roster.access import units_in_view
from alerts.roster.book import RosterBook
from alerts.storage import models as m
from alerts.storage.queries.board import (
    CardIncident,
    LastMessage,
    OpenBoard,
    OpenIncident,
    Owed,
    Rung,
    last_messages,
    open_incidents,
)
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

    incident: CardIncident
    unit_name: str
    obligation: Owed | None
    owed_by: str
    rung: Rung | None
    acknowledged_at: datetime | None
    must_act: tuple[m.Person, ...] = ()  # the owing unit's duty officer now (empty: a gap)
    last_message: LastMessage | None = None  # the latest sent to one of them about it


@dataclass(frozen=True)
class Summary:
    """The strip at the top of the board: how many are overdue, due within the hour, and the
    open instructions."""

    overdue: int
    due_within_hour: int
    instructions: int


SOON = timedelta(hours=1)


def visible_units(session: Session, viewer: Viewer) -> list[m.Unit]:
    """The viewer's own unit, or the office and every unit reporting to it (the one rule of
    alerts/roster/access.py: everyone but a unit officer acts for the office), office first."""
    units = units_in_view(session, unit=viewer.unit, for_office=viewer.sees_everything)
    return sorted(units, key=lambda u: not u.is_office)  # stable: by code after the office


def duty_lines(
    session: Session, units: list[m.Unit], roster: RosterBook, now: datetime
) -> list[DutyLine]:
    """Who is on duty now in each unit (the rosters of all of them read at once)."""
    roles = ["duty_officer", "leader_on_duty"]
    held = roster.holders_many(session, unit_ids=[u.id for u in units], roles=roles, at=now)
    return [
        DutyLine(
            unit,
            tuple(held[(unit.id, "duty_officer")]),
            tuple(held[(unit.id, "leader_on_duty")]),
        )
        for unit in units
    ]


def board_incidents(
    session: Session, viewer: Viewer, units: list[m.Unit], *, cards: int | None
) -> OpenBoard:
    """Open incidents the viewer may see: every one's due time, and the first `cards` (None:
    all) in full, most overdue first, then soonest due, those with nothing owed last."""
    if viewer.sees_everything:
        offices = [u.id for u in units if u.is_office]
        return open_incidents(session, office_ids=offices, cards=cards)
    return open_incidents(session, unit_id=viewer.unit.id, cards=cards)


def board_rows(
    session: Session,
    found: Sequence[OpenIncident],
    *,
    roster: RosterBook,
    now: datetime,
    duty: Sequence[DutyLine] = (),  # the lines already resolved for the page
) -> list[BoardRow]:
    """The cards of these open incidents: each with who must act now (the owing unit's duty
    officer, from `duty`) and the last message they were sent about it, in a fixed number of
    statements however many there are."""
    names = unit_names(session)
    officers = {line.unit.id: line.duty_officers for line in duty}
    missing = sorted({r.obligation.owed_by_unit_id for r in found if r.obligation} - set(officers))
    if missing:  # once for all units, never per card
        held = roster.holders_many(session, unit_ids=missing, roles=["duty_officer"], at=now)
        officers |= {unit_id: tuple(held[(unit_id, "duty_officer")]) for unit_id in missing}
    acting = {
        row.incident.id: officers.get(row.obligation.owed_by_unit_id, ())
        for row in found
        if row.obligation
    }
    messages = last_messages(
        session,
        incident_ids=list(acting),
        person_ids=sorted({p.id for people in acting.values() for p in people}),
    )
    rows = []
    for row in found:
        people = acting.get(row.incident.id, ())
        keys = [(row.incident.id, p.id) for p in people]
        sent = [messages[k] for k in keys if k in messages]
        rows.append(
            BoardRow(
                row.incident,
                names.get(row.incident.unit_id, ""),
                row.obligation,
                names.get(row.obligation.owed_by_unit_id, "") if row.obligation else "",
                row.rung,
                row.acknowledged_at,
                people,
                max(sent, key=lambda n: (n.created_at, n.id)) if sent else None,
            )
        )
    return rows


def summary(
    due_times: Sequence[datetime | None], instructions: list[InstructionLine], now: datetime
) -> Summary:
    """The counts the strip shows, of every open incident's due time (also those without a
    card; None: nothing owed)."""
    due = [d for d in due_times if d is not None]
    return Summary(
        overdue=sum(1 for d in due if d < now),
        due_within_hour=sum(1 for d in due if now <= d <= now + SOON),
        instructions=len(instructions),
    )


def board_instructions(
    session: Session, viewer: Viewer, units: list[m.Unit]
) -> list[InstructionLine]:
    """Open instructions the viewer may see, soonest due first: the office's, or those naming
    the viewer's unit (with its own line only)."""
    if viewer.sees_everything:
        return open_instructions(session, office_ids=[u.id for u in units if u.is_office])
    return open_instructions(session, unit_id=viewer.unit.id)
