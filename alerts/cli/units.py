"""`jibao unit add|list`: reporting units and their tokens; an added unit and its token are
audited as made by `cli:<OS user>`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from alerts import directory
from alerts.audit import cli_actor
from alerts.clock import SystemClock
from alerts.config import Settings
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries.units import all_units, unit_by_code


def add_unit_commands(commands: Any) -> None:
    """Add the `unit` command group to the `jibao` parser."""
    unit = commands.add_parser("unit", help="reporting units").add_subparsers(
        dest="unit_command", required=True
    )
    add = unit.add_parser("add", help="add a unit and print its token on the last line")
    add.add_argument("--code", required=True)
    add.add_argument("--name", required=True)
    add.add_argument("--parent", help="code of the parent unit")
    add.add_argument(
        "--office", action="store_true", help="this unit is the office running the service"
    )
    add.set_defaults(handler=_add)
    unit.add_parser("list", help="list units").set_defaults(handler=_list)


def _add(args: argparse.Namespace, settings: Settings) -> int:
    with cli_session(settings) as session:
        if unit_by_code(session, code=args.code) is not None:
            print(f"error: unit {args.code!r} already exists", file=sys.stderr)
            return 1
        parent = None
        if args.parent:
            parent = unit_by_code(session, code=args.parent)
            if parent is None:
                print(f"error: no parent unit {args.parent!r}", file=sys.stderr)
                return 1
        actor, now = cli_actor(), SystemClock().now()
        unit = directory.create_unit(
            session,
            actor=actor,
            now=now,
            code=args.code,
            name=args.name,
            parent=parent,
            is_office=args.office,
        )
        token = directory.issue_token(session, actor=actor, now=now, unit=unit, label="cli")
        session.commit()
    print(f"unit {args.code} added; its token is shown once:")
    print(token)
    return 0


def _list(_: argparse.Namespace, settings: Settings) -> int:
    with cli_session(settings) as session:
        units = all_units(session)
        by_id = {u.id: u.code for u in units}
        print(f"{'code':<16} {'parent':<16} {'office':<6} name")
        for unit in units:
            parent = by_id.get(unit.parent_id, "-") if unit.parent_id else "-"
            print(f"{unit.code:<16} {parent:<16} {'yes' if unit.is_office else '':<6} {unit.name}")
    return 0


@contextmanager
def cli_session(settings: Settings) -> Iterator[Session]:
    """A session whose engine is disposed afterwards (an undisposed PostgreSQL pool warns)."""
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()
