"""People (联系人) by API, so scripts provision a county without the dashboard: list them, add one
to a unit, change a name, post, phone or email. The office's token acts for every unit reporting
to it; a unit's token reads its own people only. Each change is audited (alerts/directory.py)."""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)
from pydantic_core import PydanticCustomError
from sqlalchemy import select

from alerts import audit, directory
from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import ApiError, error_responses
from alerts.api.schemas import Moment, Out
from alerts.errors import FieldProblem, Forbidden, Invalid
from alerts.phones import Phone
from alerts.roster.access import units_in_view
from alerts.services import ClockDep, SessionDep
from alerts.storage import models as m
from alerts.storage.queries import unit_by_code

router = APIRouter(tags=["people"])
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Post = Annotated[str, StringConstraints(strip_whitespace=True, max_length=100)]
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


def _email(value: str) -> str:
    if not EMAIL.fullmatch(value):
        raise PydanticCustomError("email_address", "not an email address")
    return value


Email = Annotated[
    str, StringConstraints(strip_whitespace=True, max_length=200), AfterValidator(_email)
]


class NewPersonIn(BaseModel):
    """Someone of a unit who can be told: a phone or an email at least."""

    model_config = ConfigDict(extra="forbid")
    unit: str = Field(min_length=1, max_length=64, description="the unit's code")
    name: Name
    post: Post = ""
    phone: Phone | None = None
    email: Email | None = None

    @model_validator(mode="after")
    def _reachable(self) -> NewPersonIn:
        if not self.phone and not self.email:
            raise PydanticCustomError(
                "phone_or_email", "a phone or an email is needed", {"field": "phone"}
            )
        return self


class PersonChangeIn(BaseModel):
    """The fields to change; the others stay. `null` clears a phone or an email."""

    model_config = ConfigDict(extra="forbid")
    name: Name | None = None
    post: Post | None = None
    phone: Phone | None = None
    email: Email | None = None


class PersonRecordOut(Out):
    id: int
    unit: str
    name: str
    post: str
    phone: str | None
    phone_e164: str | None
    email: str | None
    created_at: Moment


class PeopleOut(Out):
    people: list[PersonRecordOut]


@router.get("/api/v1/people", responses=error_responses(401, 422))
async def list_people(
    session: SessionDep,
    caller: CallerDep,
    wire: WireDep,
    unit: str | None = Query(None, max_length=64, description="one unit's code"),
) -> PeopleOut:
    """The people of the units the caller acts for (the office: all of them), by unit and name."""
    units = {u.id: u for u in _units(session, caller)}
    query = select(m.Person).where(m.Person.unit_id.in_(list(units)))
    if unit is not None:
        wanted = next((u for u in units.values() if u.code == unit), None)
        if wanted is None:
            raise Invalid(FieldProblem("unit", "unknown_unit", {"unit": unit}))
        query = query.where(m.Person.unit_id == wanted.id)
    people = session.scalars(query.order_by(m.Person.unit_id, m.Person.name, m.Person.id))
    return PeopleOut(people=[_out(wire, p, units[p.unit_id]) for p in people])


@router.post("/api/v1/people", status_code=201, responses=error_responses(401, 403, 413, 422))
async def add_person(
    body: NewPersonIn, session: SessionDep, caller: CallerDep, wire: WireDep, clock: ClockDep
) -> PersonRecordOut:
    """Add a person to a unit reporting to the caller's office (the office's token only)."""
    unit = _unit_for_office(session, caller, body.unit)
    person = directory.create_person(
        session,
        actor=audit.api_actor(caller),
        now=clock.now(),
        unit=unit,
        name=body.name,
        post=body.post,
        phone=body.phone,
        email=body.email,
    )
    session.commit()
    return _out(wire, person, unit)


@router.patch("/api/v1/people/{person_id}", responses=error_responses(401, 403, 404, 413, 422))
async def change_person(
    person_id: int,
    body: PersonChangeIn,
    session: SessionDep,
    caller: CallerDep,
    wire: WireDep,
    clock: ClockDep,
) -> PersonRecordOut:
    """Change a person's name, post, phone or email (the office's token only)."""
    person = session.get(m.Person, person_id)
    unit = session.get(m.Unit, person.unit_id) if person else None
    if person is None or unit is None or unit.id not in {u.id for u in _units(session, caller)}:
        raise ApiError(404, "not_found")
    if not caller.is_office:
        raise Forbidden()
    changes = body.model_dump(exclude_unset=True)
    for field in ("name", "post"):
        if field in changes and changes[field] is None:
            raise Invalid(FieldProblem(field, "required"))
    phone = changes.get("phone", person.phone)
    email = changes.get("email", person.email)
    if not phone and not email:
        raise Invalid(FieldProblem("phone", "phone_or_email"))
    directory.update_person(
        session, actor=audit.api_actor(caller), now=clock.now(), person=person, changes=changes
    )
    session.commit()
    return _out(wire, person, unit)


def _units(session: SessionDep, caller: m.Unit) -> list[m.Unit]:
    return units_in_view(session, unit=caller, for_office=caller.is_office)


def _unit_for_office(session: SessionDep, caller: m.Unit, code: str) -> m.Unit:
    if not caller.is_office:
        raise Forbidden()
    unit = unit_by_code(session, code=code)
    if unit is None or unit.id not in {u.id for u in _units(session, caller)}:
        raise Invalid(FieldProblem("unit", "unknown_unit", {"unit": code}))
    return unit


def _out(wire: WireDep, person: m.Person, unit: m.Unit) -> PersonRecordOut:
    return PersonRecordOut(
        id=person.id,
        unit=unit.code,
        name=person.name,
        post=person.post,
        phone=person.phone,
        phone_e164=person.phone_e164,
        email=person.email,
        created_at=wire.moment(person.created_at),
    )
