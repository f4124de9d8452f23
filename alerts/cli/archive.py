"""`jibao archive export [--since DATE] [--until DATE] FILE`: the incidents that occurred in a
span of days (in the office's zone, both days included) as JSON lines, one incident a line with
everything recorded about it (alerts/storage/archive.py), for the office's files."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from alerts.config import Settings
from alerts.i18n import Translator
from alerts.storage.archive import incident_record, incidents_between
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries.units import all_units


def add_archive_commands(commands: Any) -> None:
    """Add the `archive` command group to the `jibao` parser."""
    archive = commands.add_parser("archive", help="the records archive").add_subparsers(
        dest="archive_command", required=True
    )
    export = archive.add_parser(
        "export", help="write incidents with their filings and timelines as JSON lines"
    )
    export.add_argument("file", help="the file to create (never overwritten)")
    export.add_argument("--since", help="first day of occurrence, YYYY-MM-DD (included)")
    export.add_argument("--until", help="last day of occurrence, YYYY-MM-DD (included)")
    export.set_defaults(handler=_export, needs_schema=True)


def _export(args: argparse.Namespace, settings: Settings) -> int:
    translate, zone = Translator(settings.language), settings.rules.timezone
    try:
        since = _day(args.since, "--since", zone, translate)
        until = _day(args.until, "--until", zone, translate)
        if since and until and until < since:
            raise ValueError(translate("archive.backwards", since=args.since, until=args.until))
    except ValueError as exc:
        print(translate("archive.failed") + str(exc), file=sys.stderr)
        return 2
    target = Path(args.file)
    if target.exists() or not target.parent.is_dir():
        key = "archive.target_exists" if target.exists() else "archive.no_directory"
        print(translate("archive.failed") + translate(key, file=target), file=sys.stderr)
        return 1
    end = until + timedelta(days=1) if until else None
    count = _write(settings, target, since=since, until=end)
    span = translate("archive.span", since=args.since or "…", until=args.until or "…")
    print(translate("archive.done", count=count, file=target, span=span))
    return 0


def _day(text: str | None, option: str, zone: ZoneInfo, translate: Translator) -> datetime | None:
    """The start of a day in the office's zone; ValueError names a day that is none."""
    if text is None:
        return None
    try:
        return datetime.combine(date.fromisoformat(text), time(), zone)
    except ValueError:
        raise ValueError(translate("archive.bad_day", option=option, value=text)) from None


def _write(
    settings: Settings, target: Path, *, since: datetime | None, until: datetime | None
) -> int:
    """Write the records to a partial file, then give it its name; how many incidents."""
    partial = target.with_name(f".{target.name}.partial-{os.getpid()}")
    engine = make_engine(settings.database_url)
    count = 0
    try:
        with make_session_factory(engine)() as session, partial.open("x", encoding="utf-8") as out:
            codes = {unit.id: unit.code for unit in all_units(session)}
            for incident in incidents_between(session, since=since, until=until):
                record = incident_record(
                    session,
                    incident=incident,
                    zone=settings.rules.timezone,
                    keep_years=settings.records.keep_years,
                    codes=codes,
                )
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
                count += 1
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
        engine.dispose()
    return count
