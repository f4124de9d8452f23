"""Shared by the roster routers: request basics, the caller's units (by the one visibility rule
of alerts/roster/access.py, which the dashboard applies too) and small look-ups."""

from __future__ import annotations

from datetime import datetime
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.api.bounds import RowId
from alerts.api.errors import ApiError, FieldProblem
from alerts.api.schemas import PersonOut
from alerts.roster.access import has_roster as has_roster
from alerts.roster.access import may_act_for, units_in_view
from alerts.roster.access import person_names as person_names
from alerts.storage import models as m
from alerts.storage.queries import unit_by_code
from rules.roles import Role as Role  # the roles request bodies name


class In(BaseModel):
    """Request bodies refuse unknown keys."""

    model_config = ConfigDict(extra="forbid")


class PersonIn(In):
    """Who does something: approves, accepts, answers, adds notes."""

    person_id: RowId
    notes: str = Field(default="", max_length=4000)


def acting_for(session: Session, caller: m.Unit, code: str | None) -> m.Unit:
    """The unit named (or the caller's own) once the caller may act for it."""
    unit = caller if code is None or code == caller.code else unit_by_code(session, code=code)
    if unit is None:
        raise ApiError(422, "invalid", fields=[FieldProblem("unit", "unknown_unit")])
    if not may_act_for(session, unit=caller, target=unit, for_office=caller.is_office):
        raise ApiError(403, "forbidden")
    return unit


ActedOn = TypeVar("ActedOn", m.SwapRequest, m.Handover, m.DutyCheck)


def acted_on(session: Session, caller: m.Unit, model: type[ActedOn], row_id: int) -> ActedOn:
    """The row a route acts on, once the caller may act for its unit; 404 or 403 otherwise."""
    row = session.get(model, row_id)
    if row is None:
        raise ApiError(404, "not_found")
    acting_for(session, caller, unit_code(session, row.unit_id))
    return row


def check_people(session: Session, unit: m.Unit, ids: list[int], field: str) -> None:
    """422 unless every id is a person of `unit`."""
    known = set(
        session.scalars(
            select(m.Person.id).where(m.Person.id.in_(ids), m.Person.unit_id == unit.id)
        )
    )
    if any(i not in known for i in ids):
        raise ApiError(422, "invalid", fields=[FieldProblem(field, "unknown_person")])


def check_span(starts_at: datetime, ends_at: datetime) -> None:
    """422 unless the span ends after it starts."""
    if ends_at <= starts_at:
        raise ApiError(422, "invalid", fields=[FieldProblem("ends_at", "not_after_start")])


def person_out(person: m.Person) -> PersonOut:
    """A person as the API shows them."""
    return PersonOut(id=person.id, name=person.name, post=person.post, phone=person.phone)


def unit_codes(session: Session) -> dict[int, str]:
    """Every unit's code by id."""
    return {i: c for i, c in session.execute(select(m.Unit.id, m.Unit.code))}


def unit_code(session: Session, unit_id: int) -> str:
    """One unit's code."""
    unit = session.get(m.Unit, unit_id)
    assert unit is not None
    return unit.code


def units_below(session: Session, caller: m.Unit) -> list[m.Unit]:
    """The caller itself, or for the office every unit reporting to it (itself included)."""
    return units_in_view(session, unit=caller, for_office=caller.is_office)
