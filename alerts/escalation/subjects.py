"""What an obligation is about, as a ladder needs it: an incident, or a leader's instruction.

`unit.ROLE` in a ladder means the incident's unit, or for an instruction the responsible unit
the clock is about; `office.ROLE` the office (docs/decisions/0012-instructions.md)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.storage import models as m

TITLE_CHARS = 40  # of an instruction's text, as the subject of its messages


@dataclass(frozen=True)
class Subject:
    """The incident (if any) an obligation hangs on, whose roles its ladder names, and what
    its messages may say."""

    incident_id: int | None
    unit_id: int
    office_id: int
    title: str
    classified: bool


def subject_of(session: Session, obligation: m.Obligation) -> Subject:
    """The subject of a stored obligation."""
    if obligation.instruction_id is None:
        incident = session.get(m.Incident, obligation.incident_id)
        assert incident is not None
        return of_incident(incident)
    instruction = session.get(m.Instruction, obligation.instruction_id)
    assert instruction is not None
    incident = session.get(m.Incident, instruction.incident_id) if instruction.incident_id else None
    return Subject(
        incident_id=instruction.incident_id,
        unit_id=_responsible_unit(session, obligation, instruction),
        office_id=instruction.office_id,
        title=f"批示 {instruction.text[:TITLE_CHARS]}",
        classified=incident.classified if incident else False,
    )


def of_incident(incident: m.Incident) -> Subject:
    """An incident as a subject."""
    return Subject(
        incident.id, incident.unit_id, incident.office_id, incident.title, incident.classified
    )


def _responsible_unit(
    session: Session, obligation: m.Obligation, instruction: m.Instruction
) -> int:
    """The unit an instruction clock is about: its key is `instruction:<id>:<code>:<clock>`."""
    if obligation.party == "unit":
        return obligation.owed_by_unit_id
    code = obligation.key.split(":")[2]
    found = session.scalar(select(m.Unit.id).where(m.Unit.code == code))
    return found if found is not None else instruction.office_id
