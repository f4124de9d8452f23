"""`jibao migrate [--dry-run]`: say where the schema stands and which steps will run, then run
them; refuse a schema newer than this code knows."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from alerts.config import Settings
from alerts.i18n import Translator
from alerts.startup import database_schema, schema_ahead, shown_url
from alerts.storage.database import migrate
from alerts.storage.schema_head import SchemaState


def add_migrate_command(commands: Any) -> None:
    """Add `migrate` to the `jibao` parser."""
    parser = commands.add_parser("migrate", help="bring the database schema up to date")
    parser.add_argument(
        "--dry-run", action="store_true", help="only say what would be done; change nothing"
    )
    parser.set_defaults(handler=_migrate)


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    translate, url = Translator(settings.language), settings.database_url
    state = database_schema(url)
    if state.standing == "ahead":
        print(schema_ahead(state, url, translate), file=sys.stderr)
        return 1
    if state.standing == "current":
        print(translate("migrate.current", url=shown_url(url), head=state.head))
        return 0
    for line in plan(state, url, translate):
        print(line)
    if args.dry_run:
        print(translate("migrate.dry_run"))
        return 0
    migrate(url)
    print(translate("migrate.done", url=shown_url(url), head=state.head))
    return 0


def plan(state: SchemaState, url: str, translate: Translator) -> list[str]:
    """What migrating will do: from which revision to the head, then each step."""
    if state.current is None:
        first = translate("migrate.plan_new", url=shown_url(url), head=state.head)
    else:
        first = translate(
            "migrate.plan_behind", url=shown_url(url), current=state.current, head=state.head
        )
    return [first, *(f"  {step.revision}  {step.title}" for step in state.steps)]
