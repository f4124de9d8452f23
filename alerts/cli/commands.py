"""The `jibao` command: serve, demo, migrate, check-config, doctor, backup, restore, archive export,
unit add|list, person add|list, user add|list, roster import|export, instructions list,
bulletins publish|export, audit list, findings list|confirm|dismiss|reopen, notices
list|draft|approve; each group registered by its own module."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any

from alerts.cli.archive import add_archive_commands
from alerts.cli.audit import add_audit_commands
from alerts.cli.backup import add_backup_commands
from alerts.cli.bulletins import add_bulletin_commands
from alerts.cli.doctor import add_doctor_command
from alerts.cli.findings_cmd import add_findings_commands
from alerts.cli.instructions import add_instruction_commands
from alerts.cli.migration import add_migrate_command
from alerts.cli.notices import add_notice_commands
from alerts.cli.people import add_person_commands
from alerts.cli.rosters import add_roster_commands
from alerts.cli.units import add_unit_commands
from alerts.cli.users import add_user_commands
from alerts.config import ConfigError, Settings, config_path, load_settings
from alerts.config_problems import DEFAULT_LANGUAGE
from alerts.i18n import Translator
from alerts.startup import StartupError, check_schema, check_url, explain

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
        if args.standalone is not None:  # reads config.toml itself (doctor reports on it)
            return int(args.standalone(args))
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
    parser.set_defaults(needs_schema=False, standalone=None)

    serve = commands.add_parser("serve", help="run the service")
    _add_server_options(serve)
    serve.add_argument(
        "--workers",
        type=int,
        default=1,
        choices=range(1, 33),
        metavar="N",
        help="worker processes sharing the port (PostgreSQL only; default 1)",
    )
    serve.set_defaults(handler=_serve, needs_schema=True)

    demo = commands.add_parser("demo", help="seed a demo county on SQLite and run the service")
    _add_server_options(demo)
    demo.add_argument("--database-url", help=f"default $JIBAO_DATABASE_URL, else {DEMO_DATABASE}")
    demo.add_argument("--fresh", action="store_true", help="delete the demo database first")
    demo.add_argument("--no-serve", action="store_true", help="seed only")
    demo.set_defaults(handler=_demo)

    add_migrate_command(commands)
    add_backup_commands(commands)
    add_archive_commands(commands)
    add_bulletin_commands(commands)
    add_doctor_command(commands)

    check = commands.add_parser(
        "check-config", help="validate the config and print the effective rules"
    )
    check.set_defaults(handler=_check_config)

    add_unit_commands(commands)
    add_person_commands(commands)
    add_user_commands(commands)
    add_roster_commands(commands)
    add_instruction_commands(commands)
    add_audit_commands(commands)
    add_findings_commands(commands)
    add_notice_commands(commands)
    for name in ("unit", "person", "user", "roster", "audit", "findings", "notices"):
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


def _demo_database(args: argparse.Namespace) -> str:
    return str(args.database_url or os.environ.get("JIBAO_DATABASE_URL") or DEMO_DATABASE)


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument(
        "--log-json", action="store_true", help="log one JSON object a line (time with offset)"
    )


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from alerts.server import run  # imported late: uvicorn is only needed to serve

    return run(
        settings,
        host=args.host,
        port=args.port,
        log_json=args.log_json,
        workers=getattr(args, "workers", 1),
        config=config_path(args.config),
    )


def _demo(args: argparse.Namespace, settings: Settings) -> int:
    from alerts.demo.seed import run_demo

    code = run_demo(settings, host=args.host, port=args.port, fresh=args.fresh)
    return code if code or args.no_serve else _serve(args, settings)


def _check_config(_: argparse.Namespace, settings: Settings) -> int:
    from alerts.cli.rules_table import describe_ladders, describe_rules

    print(describe_rules(settings))
    print()
    print(describe_ladders(settings, Translator(settings.language)))
    return 0
