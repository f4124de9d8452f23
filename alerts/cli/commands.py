"""The `jibao` command: serve, demo, migrate, check-config, unit add|list, roster import|export."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from alerts.cli.users import add_user_commands
from alerts.config import ConfigError, Settings, config_path, load_settings
from alerts.config_problems import DEFAULT_LANGUAGE
from alerts.i18n import Translator
from alerts.startup import StartupError, check_schema, check_url, explain
from alerts.storage.database import make_engine, make_session_factory, migrate
from alerts.storage.queries import add_token, add_unit, all_units, unit_by_code

Command = Callable[[argparse.Namespace, Settings], int]
DEMO_DATABASE = "sqlite:///./jibao-demo.db"  # the demo never touches config.toml's database


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the `jibao` console script."""
    sys.exit(run_command(_parser().parse_args(argv)))


def run_command(args: argparse.Namespace) -> int:
    """Run a parsed command; any failure is one line on stderr (`--debug`: the traceback)."""
    translate = Translator(DEFAULT_LANGUAGE)
    url = ""
    try:
        settings = load_settings(config_path(args.config))
        if args.command == "demo":
            settings = settings.model_copy(update={"database_url": _demo_database(args)})
        translate, url = Translator(settings.language), settings.database_url
        if args.command != "check-config":
            check_url(url, translate)
        if args.needs_schema:
            check_schema(url, translate)
        return int(args.handler(args, settings))
    except ConfigError as exc:
        if args.debug:
            raise
        label = Translator(exc.language)("config.error")
        for line in exc.lines:
            print(f"{label}{line}", file=sys.stderr)
        return 2
    except StartupError as exc:
        if args.debug:
            raise
        print(exc, file=sys.stderr)
        return 1
    except Exception as exc:
        if args.debug:
            raise
        print(explain(exc, url, translate), file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jibao", description="急报 Jibao: urgent-incident reporting"
    )
    _add_global_options(parser, defaults=True)
    commands = parser.add_subparsers(dest="command", required=True)
    parser.set_defaults(needs_schema=False)

    serve = commands.add_parser("serve", help="run the service")
    _add_server_options(serve)
    serve.set_defaults(handler=_serve, needs_schema=True)

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
    add_user_commands(commands)
    _add_roster_commands(commands)
    for name in ("unit", "user", "roster"):
        commands.choices[name].set_defaults(needs_schema=True)
    _add_to_every_command(parser)
    return parser


def _add_global_options(parser: argparse.ArgumentParser, *, defaults: bool) -> None:
    """--config and --debug; a subcommand's copy has no default, so it never overrides the value
    given before the subcommand."""
    kept: dict[str, Any] = {} if defaults else {"default": argparse.SUPPRESS}
    parser.add_argument(
        "--config", help="config file (default ./config.toml or $JIBAO_CONFIG)", **kept
    )
    parser.add_argument(
        "--debug", action="store_true", help="show the traceback of a failure", **kept
    )


def _add_to_every_command(parser: argparse.ArgumentParser) -> None:
    """Accept the global options after any subcommand too (`jibao check-config --config F`)."""
    for sub in subcommands(parser):
        _add_global_options(sub, defaults=False)
        _add_to_every_command(sub)


def subcommands(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parsers of a parser's subcommands (argparse keeps them in its subparsers action)."""
    return [
        sub
        for action in parser._actions
        if isinstance(action, argparse._SubParsersAction)
        for sub in action.choices.values()
    ]


def _add_roster_commands(commands: Any) -> None:
    roster = commands.add_parser("roster", help="month rosters as files").add_subparsers(
        dest="roster_command", required=True
    )
    load = roster.add_parser(
        "import", help="import a month's roster (CSV or XLSX); nothing if any row is bad"
    )
    load.add_argument("file", help="the CSV or XLSX file")
    load.add_argument("--unit", required=True, help="unit code")
    load.add_argument("--month", required=True, help="YYYY-MM")
    load.set_defaults(handler=_roster_import)
    dump = roster.add_parser("export", help="write a month's resolved roster as CSV or XLSX")
    dump.add_argument("--unit", required=True, help="unit code")
    dump.add_argument("--month", required=True, help="YYYY-MM")
    dump.add_argument("--format", choices=("csv", "xlsx"), help="default: from --output, else csv")
    dump.add_argument("--output", help="file to write (default: CSV to standard output)")
    dump.set_defaults(handler=_roster_export)


def _demo_database(args: argparse.Namespace) -> str:
    return str(args.database_url or os.environ.get("JIBAO_DATABASE_URL") or DEMO_DATABASE)


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from alerts.server import run  # imported late: uvicorn is only needed to serve

    return run(settings, host=args.host, port=args.port)


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from alerts.demo.seed import run_demo

    code = run_demo(settings, host=args.host, port=args.port, fresh=args.fresh)
    return code if code or args.no_serve else _serve(args, settings)


def _migrate(_: argparse.Namespace, settings: Settings) -> int:
    migrate(settings.database_url)
    print(f"database at head: {_safe_url(settings.database_url)}")
    return 0


def _check_config(_: argparse.Namespace, settings: Settings) -> int:
    from alerts.cli.rules_table import describe_ladders, describe_rules

    print(describe_rules(settings))
    print()
    print(describe_ladders(settings, Translator(settings.language)))
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


def _roster_import(args: argparse.Namespace, settings: Settings) -> int:
    from alerts.i18n import Translator
    from alerts.roster.files import import_roster, parse_month, report

    month = parse_month(args.month)
    if month is None:
        print(f"error: --month {args.month!r} is not a month like 2026-11", file=sys.stderr)
        return 2
    try:
        data = Path(args.file).read_bytes()
    except OSError as exc:
        print(f"error: cannot read {args.file}: {exc.strerror}", file=sys.stderr)
        return 2
    translate = Translator(settings.language)
    with _roster_session(settings) as session:
        unit = unit_by_code(session, code=args.unit)
        if unit is None:
            print(f"error: no unit {args.unit!r}", file=sys.stderr)
            return 1
        note = f"import {month:%Y-%m} {Path(args.file).name}"
        result = import_roster(
            session, settings=settings, unit=unit, month=month, data=data, note=note
        )
        checked = result.checked
        lines = report(checked.errors, translate) + report(checked.warnings, translate)
        _print_report(lines, translate)
        if checked.errors:
            print(translate("roster_import.rejected", count=len(checked.errors)), file=sys.stderr)
            return 1
        session.commit()
    summary = translate(
        "roster_import.imported",
        month=f"{month:%Y-%m}",
        unit=unit.name,
        days=len(checked.days),
        stored=result.stored,
        replaced=result.replaced,
    )
    print(summary)
    return 0


def _print_report(lines: list[dict[str, Any]], translate: Callable[..., str]) -> None:
    """One line per problem: where, which column, what (in the configured language)."""
    for line in lines:
        where = translate("roster_import.file")
        if line["row"] is not None:
            where = translate("roster_import.row", row=line["row"])
        column = f" {line['column']}" if line["column"] else ""
        print(f"{where}{column}: {line['problem']}", file=sys.stderr)


def _roster_export(args: argparse.Namespace, settings: Settings) -> int:
    from alerts.roster.files import Format, export_roster, parse_month

    month = parse_month(args.month)
    if month is None:
        print(f"error: --month {args.month!r} is not a month like 2026-11", file=sys.stderr)
        return 2
    wanted = args.format or ("xlsx" if str(args.output or "").endswith(".xlsx") else "csv")
    fmt: Format = "xlsx" if wanted == "xlsx" else "csv"
    if fmt == "xlsx" and not args.output:
        print("error: XLSX needs --output FILE", file=sys.stderr)
        return 2
    with _roster_session(settings) as session:
        unit = unit_by_code(session, code=args.unit)
        if unit is None:
            print(f"error: no unit {args.unit!r}", file=sys.stderr)
            return 1
        data = export_roster(session, settings=settings, unit=unit, month=month, fmt=fmt)
    if args.output:
        Path(args.output).write_bytes(data)
    else:
        sys.stdout.write(data.decode("utf-8-sig"))  # no BOM on a terminal or in a pipe
    return 0


@contextmanager
def _roster_session(settings: Settings) -> Iterator[Session]:
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
