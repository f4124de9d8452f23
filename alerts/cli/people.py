"""`jibao person add|list`: the people of a unit who can be told (name, post, phone, email), for
scripts that provision a county without the dashboard; an added person is audited as made by
`cli:<OS user>`. The phone is checked as the API and the admin page check it."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from alerts import directory
from alerts.api.people import Email
from alerts.audit import cli_actor
from alerts.cli.units import cli_session
from alerts.clock import SystemClock
from alerts.config import Settings
from alerts.phones import Phone
from alerts.storage import models as m
from alerts.storage.queries.units import all_units, unit_by_code

_PHONE: TypeAdapter[str] = TypeAdapter(Phone)
_EMAIL: TypeAdapter[str] = TypeAdapter(Email)


def add_person_commands(commands: Any) -> None:
    """Add the `person` command group to the `jibao` parser."""
    person = commands.add_parser("person", help="people who can be told").add_subparsers(
        dest="person_command", required=True
    )
    add = person.add_parser("add", help="add a person to a unit; prints the new id")
    add.add_argument("--unit", required=True, help="the unit's code")
    add.add_argument("--name", required=True)
    add.add_argument("--post", default="", help="post (职务), e.g. 党政办值班员")
    add.add_argument("--phone", help="mobile or landline with area code")
    add.add_argument("--email")
    add.set_defaults(handler=_add)
    listing = person.add_parser("list", help="list people, by unit")
    listing.add_argument("--unit", help="one unit's code")
    listing.set_defaults(handler=_list)


def _add(args: argparse.Namespace, settings: Settings) -> int:
    name, post = args.name.strip(), args.post.strip()
    problems = []
    if not name or len(name) > 100:
        problems.append("--name: 1 to 100 characters")
    if len(post) > 100:
        problems.append("--post: at most 100 characters")
    phone = _checked(_PHONE, args.phone, "--phone: not a phone number", problems)
    email = _checked(_EMAIL, args.email, "--email: not an email address", problems)
    if not phone and not email:
        problems.append("--phone or --email: one at least, else nobody can tell this person")
    with cli_session(settings) as session:
        unit = unit_by_code(session, code=args.unit)
        if unit is None:
            problems.append(f"--unit: no unit {args.unit!r}")
        if problems or unit is None:
            print("error: " + "; ".join(problems), file=sys.stderr)
            return 1
        person = directory.create_person(
            session,
            actor=cli_actor(),
            now=SystemClock().now(),
            unit=unit,
            name=name,
            post=post,
            phone=phone,
            email=email,
        )
        session.commit()
        print(f"person {person.id} added to {unit.code}: {person.name}")
    return 0


def _list(args: argparse.Namespace, settings: Settings) -> int:
    with cli_session(settings) as session:
        codes = {u.id: u.code for u in all_units(session)}
        query = select(m.Person).order_by(m.Person.unit_id, m.Person.name, m.Person.id)
        if args.unit:
            unit = unit_by_code(session, code=args.unit)
            if unit is None:
                print(f"error: --unit: no unit {args.unit!r}", file=sys.stderr)
                return 1
            query = query.where(m.Person.unit_id == unit.id)
        print("id\tunit\tname\tpost\tphone\temail")
        for p in session.scalars(query):
            cells = (p.id, codes.get(p.unit_id, ""), p.name, p.post, p.phone or "", p.email or "")
            print("\t".join(map(str, cells)))
    return 0


def _checked(
    adapter: TypeAdapter[str], value: str | None, problem: str, problems: list[str]
) -> str | None:
    if not value or not value.strip():
        return None
    try:
        return adapter.validate_python(value.strip())
    except ValidationError:
        problems.append(problem)
        return None
