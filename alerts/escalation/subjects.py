"""What an obligation is about, as a ladder needs it: an incident, or a leader's instruction.

`unit.ROLE` in a ladder means the incident's unit, or for an instruction the responsible unit
the clock is about; `office.ROLE` the office (docs/decisions/0012-instructions.md)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.storage import models as m

M = TypeVar("M", m.Incident, m.Instruction)
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
    return subjects_of(session, [obligation])[obligation.id]


def subjects_of(session: Session, obligations: Sequence[m.Obligation]) -> dict[int, Subject]:
    """The subjects of stored obligations by obligation id, in at most three statements however
    many: their instructions, their incidents, and the units instruction clocks name."""
    instructions = _by_id(session, m.Instruction, {o.instruction_id for o in obligations})
    incidents = _by_id(
        session,
        m.Incident,
        {o.incident_id for o in obligations if o.instruction_id is None}
        | {i.incident_id for i in instructions.values()},
    )
    codes = {_unit_code(o) for o in obligations if o.instruction_id is not None} - {None}
    units: dict[str, int] = {}
    if codes:
        for unit_code, unit_id in session.execute(
            select(m.Unit.code, m.Unit.id).where(m.Unit.code.in_(codes))
        ):
            units[unit_code] = unit_id
    found = {}
    for obligation in obligations:
        if obligation.instruction_id is None:
            assert obligation.incident_id is not None
            found[obligation.id] = of_incident(incidents[obligation.incident_id])
            continue
        instruction = instructions[obligation.instruction_id]
        incident = incidents.get(instruction.incident_id) if instruction.incident_id else None
        code = _unit_code(obligation)
        found[obligation.id] = Subject(
            incident_id=instruction.incident_id,
            unit_id=obligation.owed_by_unit_id
            if code is None
            else units.get(code, instruction.office_id),
            office_id=instruction.office_id,
            title=f"批示 {instruction.text[:TITLE_CHARS]}",
            classified=incident.classified if incident else False,
        )
    return found


def of_incident(incident: m.Incident) -> Subject:
    """An incident as a subject."""
    return Subject(
        incident.id, incident.unit_id, incident.office_id, incident.title, incident.classified
    )


def _unit_code(obligation: m.Obligation) -> str | None:
    """The code of the unit an office's instruction clock is about (its key is
    `instruction:<id>:<code>:<clock>`); None for a unit's own clock, which is about that unit."""
    if obligation.party == "unit":
        return None
    return obligation.key.split(":")[2]


def _by_id(session: Session, model: type[M], ids: Iterable[int | None]) -> dict[int, M]:
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    rows = session.scalars(select(model).where(model.id.in_(wanted)))
    return {row.id: row for row in rows}
