"""Recording a leader's instruction (批示) as the duty room received it, and finding one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.errors import FieldProblem, Forbidden, Invalid, NotFound
from alerts.instructions.clocks import InstructionState, reassess_instruction, unit_row
from alerts.storage import models as m
from alerts.storage.queries import reporting_office, unit_by_code
from alerts.timeline import Timeline

BY_MAX = 100  # the rows' `recorded_by` and `by`


@dataclass(frozen=True)
class NewInstruction:
    """What the duty room records: who wrote it, when it came, its words, type and units."""

    issuer_name: str
    issuer_post: str
    issuer_level: str  # county | city | province
    kind: str  # act | guidance | reference
    text: str
    received_at: datetime
    units: tuple[str, ...]  # responsible units' codes
    deadline_at: datetime | None = None
    incident_id: int | None = None


def record_instruction(
    session: Session,
    *,
    settings: Settings,
    office: m.Unit,
    new: NewInstruction,
    by: str,
    now: datetime,
) -> tuple[m.Instruction, InstructionState]:
    """Store an instruction for `office` and open its clocks; Refused, nothing written, when a
    unit is unknown or not the office's, the deadline is before receipt, receipt is ahead."""
    if not office.is_office:
        raise Forbidden()
    units = _check(session, settings, office, new, now)
    instruction = m.Instruction(
        office_id=office.id,
        incident_id=new.incident_id,
        issuer_name=new.issuer_name,
        issuer_post=new.issuer_post,
        issuer_level=new.issuer_level,
        kind=new.kind,
        text=new.text,
        received_at=new.received_at,
        deadline_at=new.deadline_at,
        recorded_by=by[:BY_MAX],
        created_at=now,
    )
    session.add(instruction)
    session.flush()
    session.add_all(
        m.InstructionUnit(instruction_id=instruction.id, unit_id=unit.id, stage="received")
        for unit in units
    )
    session.flush()
    timeline = Timeline(new.incident_id, now)
    timeline.add(
        "instruction_recorded",
        {
            "instruction_id": instruction.id,
            "issuer": f"{new.issuer_post} {new.issuer_name}".strip(),
            "kind": new.kind,
            "units": [unit.code for unit in units],
            "by": instruction.recorded_by,
        },
    )
    state = reassess_instruction(
        session, settings=settings, instruction=instruction, now=now, timeline=timeline
    )
    from alerts.upward.downward import send_down  # to a child Jibao that reported the incident

    send_down(session, settings=settings, instruction=instruction, now=now)
    return instruction, state


def _check(
    session: Session, settings: Settings, office: m.Unit, new: NewInstruction, now: datetime
) -> list[m.Unit]:
    problems = []
    units = []
    for index, code in enumerate(new.units):
        unit = unit_by_code(session, code=code)
        ours = unit is not None and not unit.is_office
        if unit is None or not ours or reporting_office(session, unit=unit) is not office:
            problems.append(
                FieldProblem(f"units.{index}", "unknown_responsible_unit", {"unit": code})
            )
        elif unit in units:
            problems.append(FieldProblem(f"units.{index}", "duplicate_unit", {"unit": code}))
        else:
            units.append(unit)
    if new.deadline_at is not None and new.deadline_at <= new.received_at:
        problems.append(FieldProblem("deadline_at", "before_received"))
    if new.received_at > now + settings.rules.clock_skew:
        problems.append(FieldProblem("received_at", "in_future"))
    if new.incident_id is not None:
        incident = session.get(m.Incident, new.incident_id)
        if incident is None or incident.office_id != office.id:
            problems.append(FieldProblem("incident_id", "unknown_incident"))
        elif incident.archived_at is not None:
            problems.append(FieldProblem("incident_id", "incident_archived"))
    if problems:
        raise Invalid(*problems)
    return units


def instruction_for(session: Session, *, instruction_id: int, caller: m.Unit) -> m.Instruction:
    """The instruction with this id as `caller` may see it: its office or a responsible unit."""
    instruction = session.get(m.Instruction, instruction_id)
    if instruction is None:
        raise NotFound("instruction_not_found")
    if caller.id != instruction.office_id and unit_row(session, instruction, caller) is None:
        raise NotFound("instruction_not_found")
    return instruction
