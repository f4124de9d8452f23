"""Shared by the roster routers: request basics, the caller's units (by the one visibility rule
of alerts/roster/access.py, which the dashboard applies too) and small look-ups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import Request
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.api.auth import authenticate
from alerts.api.bounds import RowId
from alerts.api.errors import ApiError, FieldProblem
from alerts.roster.access import has_roster as has_roster
from alerts.roster.access import may_act_for, units_in_view
from alerts.roster.access import person_names as person_names
from alerts.roster.book import RosterBook
from alerts.services import Services
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


def roster_book(request: Request) -> RosterBook:
    """The engine's roster reader."""
    book: RosterBook = request.app.state.engine.roster
    return book


def acting_for(
    session: Session, services: Services, request: Request, code: str | None
) -> tuple[m.Unit, m.Unit]:
    """The unit named (or the caller's own) once the caller may act for it, and the caller."""
    caller = authenticate(session, request, services.callers)
    unit = caller if code is None or code == caller.code else unit_by_code(session, code=code)
    if unit is None:
        raise ApiError(422, "invalid", fields=[FieldProblem("unit", "unknown_unit")])
    if not may_act_for(session, unit=caller, target=unit, for_office=caller.is_office):
        raise ApiError(403, "forbidden")
    return unit, caller


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


def person_out(person: m.Person) -> dict[str, Any]:
    """A person as the API shows them."""
    return {"id": person.id, "name": person.name, "post": person.post, "phone": person.phone}


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
