"""`jibao roster import|export`: a unit's month roster as a CSV or XLSX file, both ways; an
import is audited as made by `cli:<OS user>`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from alerts.audit import cli_actor
from alerts.cli.units import cli_session
from alerts.clock import SystemClock
from alerts.config import Settings
from alerts.i18n import Translator
from alerts.storage.queries.units import unit_by_code


def add_roster_commands(commands: Any) -> None:
    """Add the `roster` command group to the `jibao` parser."""
    roster = commands.add_parser("roster", help="month rosters as files").add_subparsers(
        dest="roster_command", required=True
    )
    load = roster.add_parser(
        "import", help="import a month's roster (CSV or XLSX); nothing if any row is bad"
    )
    load.add_argument("file", help="the CSV or XLSX file")
    load.add_argument("--unit", required=True, help="unit code")
    load.add_argument("--month", required=True, help="YYYY-MM")
    load.set_defaults(handler=_import)
    dump = roster.add_parser("export", help="write a month's resolved roster as CSV or XLSX")
    dump.add_argument("--unit", required=True, help="unit code")
    dump.add_argument("--month", required=True, help="YYYY-MM")
    dump.add_argument("--format", choices=("csv", "xlsx"), help="default: from --output, else csv")
    dump.add_argument("--output", help="file to write (default: CSV to standard output)")
    dump.set_defaults(handler=_export)


def _import(args: argparse.Namespace, settings: Settings) -> int:
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
    with cli_session(settings) as session:
        unit = unit_by_code(session, code=args.unit)
        if unit is None:
            print(f"error: no unit {args.unit!r}", file=sys.stderr)
            return 1
        note = f"import {month:%Y-%m} {Path(args.file).name}"
        result = import_roster(
            session,
            settings=settings,
            unit=unit,
            month=month,
            data=data,
            actor=cli_actor(),
            now=SystemClock().now(),
            note=note,
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


def _export(args: argparse.Namespace, settings: Settings) -> int:
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
    with cli_session(settings) as session:
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
