"""`jibao audit list`: the configuration audit (alerts/audit.py) on the command line, newest
first, one change a line: local time, who, type, what, action, and the changed fields as JSON.
The API has no admin callers (its tokens are units'), so this and the dashboard's /admin/audit
are the two ways to read it."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time, timedelta
from typing import Any

from alerts.audit import ENTITIES
from alerts.config import Settings
from alerts.i18n import Translator
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries.audit import ChangeSearch, count_changes, matching_changes

MAX_LIMIT = 10_000


def add_audit_commands(commands: Any) -> None:
    """Add the `audit` command group to the `jibao` parser."""
    group = commands.add_parser("audit", help="the configuration audit").add_subparsers(
        dest="audit_command", required=True
    )
    listing = group.add_parser("list", help="recorded changes, newest first")
    listing.add_argument("--since", type=_day, help="from this local day on (YYYY-MM-DD)")
    listing.add_argument("--until", type=_day, help="up to and including this local day")
    listing.add_argument("--entity", choices=ENTITIES, help="only changes to this type")
    listing.add_argument(
        "--limit", type=_limit, default=100, help=f"at most this many (default 100, ≤{MAX_LIMIT})"
    )
    listing.set_defaults(handler=_list)


def _day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or not 2000 <= day.year <= 2100:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date like 2026-11-01")
    return day


def _limit(text: str) -> int:
    if not text.isdigit() or not 0 < int(text) <= MAX_LIMIT:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number from 1 to {MAX_LIMIT}")
    return int(text)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    if args.since and args.until and args.until < args.since:
        print("error: --until is before --since", file=sys.stderr)
        return 2
    zone, translate = settings.rules.timezone, Translator(settings.language)
    search = ChangeSearch(
        entity=args.entity or "",
        since=datetime.combine(args.since, time(), zone) if args.since else None,
        before=datetime.combine(args.until + timedelta(days=1), time(), zone)
        if args.until
        else None,
    )
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            total = count_changes(session, search=search)
            rows = matching_changes(session, search=search, offset=0, limit=args.limit)
            for row in rows:
                what = f"{row.ref} #{row.entity_id}" if row.entity_id else row.ref
                changes = json.dumps(row.changes, ensure_ascii=False, sort_keys=True)
                at = row.at.astimezone(zone).isoformat(timespec="seconds")
                print("\t".join((at, row.actor, row.entity, what, row.action, changes)))
    finally:
        engine.dispose()
    if not rows:
        print(translate("ui_audit.cli_none"))
    elif total > len(rows):
        print(translate("ui_audit.cli_more", shown=len(rows), total=total), file=sys.stderr)
    return 0
