"""The `jibao` command: serve, demo, migrate, check-config, unit add|list."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence

from alerts.config import ConfigError, Settings, config_path, load_settings
from alerts.storage.database import make_engine, make_session_factory, migrate
from alerts.storage.queries import add_token, add_unit, all_units, unit_by_code

Command = Callable[[argparse.Namespace, Settings], int]
DEMO_DATABASE = "sqlite:///./jibao-demo.db"  # the demo never touches config.toml's database


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `jibao` console script."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        settings = load_settings(config_path(args.config))
        if args.command == "demo":
            settings = settings.model_copy(update={"database_url": _demo_database(args)})
        code = args.handler(args, settings)
    except ConfigError as exc:
        print(f"config error: {exc}", file=sys.stderr)
        code = 2
    sys.exit(code)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jibao", description="急报 Jibao: urgent-incident reporting"
    )
    parser.add_argument("--config", help="config file (default ./config.toml or $JIBAO_CONFIG)")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run the service")
    _add_server_options(serve)
    serve.set_defaults(handler=_serve)

    demo = commands.add_parser("demo", help="seed a demo county on SQLite and run the service")
    _add_server_options(demo)
    demo.add_argument("--database-url", help=f"default $JIBAO_DATABASE_URL, else {DEMO_DATABASE}")
    demo.add_argument("--fresh", action="store_true", help="delete the demo database first")
    demo.add_argument("--no-serve", action="store_true", help="seed only")
    demo.set_defaults(handler=_demo)

    commands.add_parser("migrate", help="bring the database schema up to date").set_defaults(
        handler=_migrate
    )

    check = commands.add_parser(
        "check-config", help="validate the config and print the effective rules"
    )
    check.set_defaults(handler=_check_config)

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
    add.set_defaults(handler=_unit_add)
    unit.add_parser("list", help="list units").set_defaults(handler=_unit_list)
    return parser


def _demo_database(args: argparse.Namespace) -> str:
    return str(args.database_url or os.environ.get("JIBAO_DATABASE_URL") or DEMO_DATABASE)


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from alerts.server import run  # imported late: uvicorn is only needed to serve

    return run(settings, host=args.host, port=args.port)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from alerts.demo import run_demo

    return run_demo(
        settings, host=args.host, port=args.port, fresh=args.fresh, serve=not args.no_serve
    )


def _migrate(_: argparse.Namespace, settings: Settings) -> int:
    migrate(settings.database_url)
    print(f"database at head: {_safe_url(settings.database_url)}")
    return 0


def _check_config(_: argparse.Namespace, settings: Settings) -> int:
    from alerts.rules_table import describe_rules

    print(describe_rules(settings))
    return 0


def _unit_add(args: argparse.Namespace, settings: Settings) -> int:
    from alerts.clock import SystemClock

    sessions = make_session_factory(make_engine(settings.database_url))
    now = SystemClock().now()
    with sessions() as session:
        if unit_by_code(session, code=args.code) is not None:
            print(f"error: unit {args.code!r} already exists", file=sys.stderr)
            return 1
        parent = None
        if args.parent:
            parent = unit_by_code(session, code=args.parent)
            if parent is None:
                print(f"error: no parent unit {args.parent!r}", file=sys.stderr)
                return 1
        unit = add_unit(
            session, code=args.code, name=args.name, parent=parent, is_office=args.office, now=now
        )
        token = add_token(session, unit=unit, label="cli", now=now)
        session.commit()
    print(f"unit {args.code} added; its token is shown once:")
    print(token)
    return 0


def _unit_list(_: argparse.Namespace, settings: Settings) -> int:
    sessions = make_session_factory(make_engine(settings.database_url))
    with sessions() as session:
        units = all_units(session)
        by_id = {u.id: u.code for u in units}
        print(f"{'code':<16} {'parent':<16} {'office':<6} name")
        for unit in units:
            parent = by_id.get(unit.parent_id, "-") if unit.parent_id else "-"
            print(f"{unit.code:<16} {parent:<16} {'yes' if unit.is_office else '':<6} {unit.name}")
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
