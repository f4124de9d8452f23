"""`jibao user add|list`: dashboard accounts. The first admin is made here; an added account is
audited as made by `cli:<OS user>` (its password only as "changed")."""

from __future__ import annotations

import argparse
import getpass
import sys
from typing import Any

from sqlalchemy import select

from alerts import directory
from alerts.audit import cli_actor
from alerts.clock import SystemClock
from alerts.config import Settings
from alerts.dashboard.auth import ROLES
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.models import Person, User
from alerts.storage.queries import office, unit_by_code

MIN_PASSWORD = 10


def add_user_commands(commands: Any) -> None:
    """Add the `user` command group to the `jibao` parser."""
    user = commands.add_parser("user", help="dashboard accounts").add_subparsers(
        dest="user_command", required=True
    )
    add = user.add_parser("add", help="add an account; the password is read from stdin or asked")
    add.add_argument("--username", required=True)
    add.add_argument("--name", required=True, help="the name people see")
    add.add_argument("--role", required=True, choices=ROLES)
    add.add_argument("--unit", help="unit code (default: the office); required for unit_officer")
    add.add_argument("--person-id", type=int, help="the roster person this account is")
    add.set_defaults(handler=_add)
    user.add_parser("list", help="list accounts").set_defaults(handler=_list)


def _password() -> str:
    if sys.stdin.isatty():
        first = getpass.getpass("password: ")
        if first != getpass.getpass("again: "):
            raise ValueError("the two passwords differ")
        return first
    return sys.stdin.readline().rstrip("\n")


def _add(args: argparse.Namespace, settings: Settings) -> int:
    if args.role == "unit_officer" and not args.unit:
        print("error: a unit_officer needs --unit", file=sys.stderr)
        return 1
    try:
        password = _password()
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if len(password) < MIN_PASSWORD:
        print(f"error: the password needs at least {MIN_PASSWORD} characters", file=sys.stderr)
        return 1
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            unit = unit_by_code(session, code=args.unit) if args.unit else office(session)
            if unit is None:
                print(
                    "error: no such unit (add the office first: jibao unit add --office)",
                    file=sys.stderr,
                )
                return 1
            if session.scalar(select(User.id).where(User.username == args.username)):
                print(f"error: user {args.username!r} already exists", file=sys.stderr)
                return 1
            if args.person_id is not None and session.get(Person, args.person_id) is None:
                print(f"error: no person with id {args.person_id}", file=sys.stderr)
                return 1
            directory.create_user(
                session,
                actor=cli_actor(),
                now=SystemClock().now(),
                username=args.username,
                display_name=args.name,
                password=password,
                role=args.role,
                unit=unit,
                person_id=args.person_id,
            )
            session.commit()
    finally:
        engine.dispose()
    print(f"user {args.username} added ({args.role}, {unit.code})")
    return 0


def _list(_: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            for user in session.scalars(select(User).order_by(User.username)):
                state = "disabled" if user.disabled else ("locked" if user.locked_until else "")
                print(f"{user.username:<20} {user.role:<14} {user.display_name} {state}")
    finally:
        engine.dispose()
    return 0
