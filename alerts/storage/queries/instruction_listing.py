"""Instructions as lists show them (the Now board, an incident's page, `jibao instructions
list`): the open ones of an office (or naming a unit), soonest due first, every one, and those
written on one incident; each with every responsible unit's stage and the clocks still owed on
it, in a fixed number of statements however many there are."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.storage import models as m


@dataclass(frozen=True)
class UnitLine:
    """One responsible unit: where it stands and what is still owed about it, soonest first."""

    unit: m.Unit
    stage: str
    owed: tuple[m.Obligation, ...]

    @property
    def next_clock(self) -> m.Obligation | None:
        """The clock due soonest, or None when nothing is owed."""
        return self.owed[0] if self.owed else None


@dataclass(frozen=True)
class InstructionLine:
    """An instruction, the incident it is on (if any) and its responsible units."""

    instruction: m.Instruction
    incident: m.Incident | None
    units: tuple[UnitLine, ...]

    @property
    def due_at(self) -> datetime | None:
        """When its most urgent clock falls due."""
        due = [u.next_clock.due_at for u in self.units if u.next_clock is not None]
        return min(due, default=None)


def open_instructions(
    session: Session, *, office_ids: Sequence[int] | None = None, unit_id: int | None = None
) -> list[InstructionLine]:
    """Instructions some unit has not closed, of these offices or naming this unit (then only
    its own line), soonest due first: overdue first of all, those with nothing due last."""
    unclosed = select(m.InstructionUnit.instruction_id).where(m.InstructionUnit.stage != "closed")
    if unit_id is not None:
        unclosed = unclosed.where(m.InstructionUnit.unit_id == unit_id)
    query = select(m.Instruction).where(m.Instruction.id.in_(unclosed))
    if office_ids is not None:
        query = query.where(m.Instruction.office_id.in_(office_ids))
    return _soonest_first(_lines(session, list(session.scalars(query)), unit_id=unit_id))


def every_instruction(session: Session, *, unit_id: int | None = None) -> list[InstructionLine]:
    """Every instruction, closed ones too (naming this unit, then only its own line), in the
    order of `open_instructions`: those with nothing due, the closed ones among them, last."""
    query = select(m.Instruction)
    if unit_id is not None:
        named = select(m.InstructionUnit.instruction_id).where(m.InstructionUnit.unit_id == unit_id)
        query = query.where(m.Instruction.id.in_(named))
    return _soonest_first(_lines(session, list(session.scalars(query)), unit_id=unit_id))


def instructions_on(
    session: Session, *, incident_id: int, unit_id: int | None = None
) -> list[InstructionLine]:
    """The instructions written on an incident, oldest first (naming `unit_id`, if given)."""
    query = select(m.Instruction).where(m.Instruction.incident_id == incident_id)
    if unit_id is not None:
        named = select(m.InstructionUnit.instruction_id).where(m.InstructionUnit.unit_id == unit_id)
        query = query.where(m.Instruction.id.in_(named))
    found = session.scalars(query.order_by(m.Instruction.received_at, m.Instruction.id))
    return _lines(session, list(found), unit_id=unit_id)


def _soonest_first(lines: list[InstructionLine]) -> list[InstructionLine]:
    """Overdue first of all, then by due time; those with nothing due last, oldest first."""
    return sorted(
        lines,
        key=lambda line: (
            line.due_at is None,
            line.due_at or line.instruction.received_at,
            line.instruction.id,
        ),
    )


def _lines(
    session: Session, instructions: list[m.Instruction], *, unit_id: int | None
) -> list[InstructionLine]:
    if not instructions:
        return []
    ids = [i.id for i in instructions]
    rows = session.execute(
        select(m.InstructionUnit, m.Unit)
        .join(m.Unit, m.Unit.id == m.InstructionUnit.unit_id)
        .where(m.InstructionUnit.instruction_id.in_(ids))
        .order_by(m.InstructionUnit.id)
    ).all()
    owed = session.scalars(
        select(m.Obligation)
        .where(m.Obligation.instruction_id.in_(ids), m.Obligation.still_owed)
        .order_by(m.Obligation.due_at, m.Obligation.id)
    ).all()
    incident_ids = {i.incident_id for i in instructions if i.incident_id is not None}
    incidents = (
        {
            i.id: i
            for i in session.scalars(select(m.Incident).where(m.Incident.id.in_(incident_ids)))
        }
        if incident_ids
        else {}
    )
    clocks: dict[tuple[int, str], list[m.Obligation]] = {}
    for obligation in owed:
        assert obligation.instruction_id is not None
        clocks.setdefault((obligation.instruction_id, clock_unit(obligation)), []).append(
            obligation
        )
    units: dict[int, list[UnitLine]] = {}
    for row, unit in rows:
        if unit_id is None or unit.id == unit_id:
            line = UnitLine(unit, row.stage, tuple(clocks.get((row.instruction_id, unit.code), ())))
            units.setdefault(row.instruction_id, []).append(line)
    return [
        InstructionLine(
            i,
            incidents.get(i.incident_id) if i.incident_id is not None else None,
            tuple(units.get(i.id, ())),
        )
        for i in instructions
    ]


def clock_unit(obligation: m.Obligation) -> str:
    """The responsible unit an instruction clock is about: its key is
    `instruction:<id>:<code>:<clock>` (the relay and verification clocks are owed by the office,
    but about one unit)."""
    return unit_of_key(obligation.key)


def unit_of_key(key: str) -> str:
    """The responsible unit's code in an instruction clock's key (`instruction:<id>:<code>:…`)."""
    parts = key.split(":")
    return parts[2] if len(parts) > 3 else ""
