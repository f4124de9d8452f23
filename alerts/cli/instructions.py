"""`jibao instructions list [--all] [--unit CODE]`: leader instructions (批示) still open (with
`--all`, closed ones too), soonest due first, and per responsible unit its stage and when its
next clock falls due; in the configured language. The rows are the Now board's
(alerts/storage/queries/instruction_listing.py)."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

from alerts.clock import SystemClock
from alerts.config import Settings
from alerts.i18n import Translator
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries.instruction_listing import (
    InstructionLine,
    UnitLine,
    every_instruction,
    open_instructions,
)
from alerts.storage.queries.units import unit_by_code

TEXT_SHOWN = 40  # characters of the instruction's text on its line


def add_instruction_commands(commands: Any) -> None:
    """Add the `instructions` command group to the `jibao` parser."""
    group = commands.add_parser("instructions", help="leader instructions (批示)")
    sub = group.add_subparsers(dest="instructions_command", required=True)
    listing = sub.add_parser(
        "list", help="open instructions, each unit's stage and next clock's due time"
    )
    listing.add_argument("--all", action="store_true", help="closed instructions too")
    listing.add_argument("--unit", help="only instructions naming this unit (its code)")
    listing.set_defaults(handler=_list)
    group.set_defaults(needs_schema=True)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    translate = Translator(settings.language)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            unit_id = None
            if args.unit is not None:
                unit = unit_by_code(session, code=args.unit)
                if unit is None:
                    print(translate("instruction_list.no_unit", code=args.unit), file=sys.stderr)
                    return 1
                unit_id = unit.id
            if args.all:
                lines = every_instruction(session, unit_id=unit_id)
            else:
                lines = open_instructions(session, unit_id=unit_id)
            shown = _render(lines, settings, translate, SystemClock().now())
    finally:
        engine.dispose()
    if not lines:
        print(translate("instruction_list.none" if args.all else "instruction_list.none_open"))
    for line in shown:
        print(line)
    return 0


def _render(
    lines: list[InstructionLine], settings: Settings, translate: Translator, now: datetime
) -> list[str]:
    """Each instruction's heading line, then one indented line per responsible unit."""
    zone = settings.rules.timezone

    def local(moment: datetime) -> str:
        return f"{moment.astimezone(zone):%Y-%m-%d %H:%M}"

    shown: list[str] = []
    for line in lines:
        i = line.instruction
        incident = line.incident
        if incident is not None and incident.classified:
            text = translate("instruction_list.classified")
        else:
            flat = " ".join(i.text.split())
            text = flat if len(flat) <= TEXT_SHOWN else flat[:TEXT_SHOWN] + "…"
        on = translate("instruction_list.on_incident", id=incident.id) if incident else ""
        shown.append(
            translate(
                "instruction_list.heading",
                id=i.id,
                kind=translate(f"ui_instruction.kind_{i.kind}"),
                issuer=f"{i.issuer_post}{i.issuer_name}",
                received=local(i.received_at),
                on=on,
                text=text,
            )
        )
        shown += ["  " + _unit_line(u, translate, local, now) for u in line.units]
    return shown


def _unit_line(unit: UnitLine, translate: Translator, local: Any, now: datetime) -> str:
    stage = translate(f"ui_instruction.stage_{unit.stage}")
    clock = unit.next_clock
    if clock is None:
        owed = translate("ui_instruction.nothing_running")
    else:
        key = "instruction_list.overdue" if clock.due_at < now else "instruction_list.due"
        owed = translate(key, clock=translate(f"ui.kind_{clock.kind}"), due=local(clock.due_at))
    return translate(
        "instruction_list.unit", name=unit.unit.name, code=unit.unit.code, stage=stage, owed=owed
    )
