"""`jibao bulletins publish --kind monthly --period 2026-11 [--by NAME]` publishes the office's
bulletin of an ended period (numbered, frozen, emailed to the units' principals), and
`jibao bulletins export --kind quarterly --period 2026-Q4 FILE.pdf|FILE.xlsx` writes one: the
published bulletin if there is one, else a preview from the live records."""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from alerts.bulletins import documents
from alerts.bulletins.content import draft, published
from alerts.bulletins.publishing import bulletin_period, find, number_text, publish, title
from alerts.clock import SystemClock
from alerts.config import Settings
from alerts.errors import Refused
from alerts.i18n import Translator
from alerts.roster.book import RosterBook
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries.units import office as the_office


def add_bulletin_commands(commands: Any) -> None:
    """Add the `bulletins` command group to the `jibao` parser."""
    group = commands.add_parser("bulletins", help="the information section's bulletins (通报)")
    verbs = group.add_subparsers(dest="bulletins_command", required=True)
    for name, help_text in (
        ("publish", "publish the bulletin of an ended month or quarter"),
        ("export", "write a bulletin (published, else a preview) as PDF or XLSX"),
    ):
        verb = verbs.add_parser(name, help=help_text)
        verb.add_argument("--kind", required=True, help="monthly or quarterly")
        verb.add_argument("--period", required=True, help="2026-11 or 2026-Q4")
        if name == "publish":
            verb.add_argument("--by", default="", help="who publishes (default: cli:<user>)")
            verb.set_defaults(handler=_publish, needs_schema=True)
        else:
            verb.add_argument("file", help="FILE.pdf or FILE.xlsx (never overwritten)")
            verb.set_defaults(handler=_export, needs_schema=True)


def _publish(args: argparse.Namespace, settings: Settings) -> int:
    translate = Translator(settings.language)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            office = the_office(session)
            if office is None:
                return _fail(translate, translate("error.no_office"))
            try:
                row = publish(
                    session,
                    settings=settings,
                    roster=RosterBook(settings),
                    translate=translate,
                    office=office,
                    period=bulletin_period(args.kind, args.period),
                    by=args.by or f"cli:{getpass.getuser()}",
                    now=SystemClock().now(),
                )
            except Refused as refused:
                return _fail(translate, _said(translate, refused))
            session.commit()
            done = published(session, row)
            print(f"{title(done, translate)}（{number_text(done, translate)}）")
    finally:
        engine.dispose()
    return 0


def _export(args: argparse.Namespace, settings: Settings) -> int:
    translate = Translator(settings.language)
    target = Path(args.file)
    kind = target.suffix.lower().lstrip(".")
    if kind not in ("pdf", "xlsx"):
        return _fail(translate, translate("bulletin.cli_suffix", file=target))
    if target.exists() or not target.parent.is_dir():
        key = "archive.target_exists" if target.exists() else "archive.no_directory"
        return _fail(translate, translate(key, file=target))
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            office = the_office(session)
            if office is None:
                return _fail(translate, translate("error.no_office"))
            try:
                period = bulletin_period(args.kind, args.period)
            except Refused as refused:
                return _fail(translate, _said(translate, refused))
            row = find(session, office=office, kind=period.kind, key=period.key)
            zone = settings.rules.timezone
            bulletin = (
                published(session, row)
                if row is not None
                else draft(session, office, period, SystemClock().now(), zone)
            )
            heading = f"{title(bulletin, translate)}（{number_text(bulletin, translate)}）"
            try:
                body = (
                    documents.xlsx(bulletin, translate, heading)
                    if kind == "xlsx"
                    else documents.pdf(documents.print_html(bulletin, translate, zone))
                )
            except documents.PdfUnavailable:
                return _fail(translate, translate("error.pdf_unavailable"))
    finally:
        engine.dispose()
    with target.open("xb") as out:
        out.write(body)
    print(f"{heading} → {target}")
    return 0


def _said(translate: Translator, refused: Refused) -> str:
    parts = [translate(f"problem.{p.problem}", **p.params) for p in refused.fields]
    return "；".join(parts) or translate(f"error.{refused.code}", **refused.params)


def _fail(translate: Translator, why: str) -> int:
    print(translate("bulletin.cli_failed") + why, file=sys.stderr)
    return 1
