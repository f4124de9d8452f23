"""`jibao notices list|draft|approve`: notices (一事一通报) from the command line. `list` prints
the office's notices and the candidates to draft; `draft SOURCE` and `approve ID` name the
dashboard account that acts (`--user`, a section_head or an admin), as the dashboard would
record it; the same checks refuse, and nothing is written then."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.cli.findings_cmd import said
from alerts.clock import SystemClock
from alerts.config import Settings
from alerts.errors import NotFound, Refused
from alerts.i18n import Translator
from alerts.notices.access import View, notice_for
from alerts.notices.approval import approve
from alerts.notices.drafting import DRAFTER_ROLES, draft
from alerts.notices.sources import candidates
from alerts.notices.wording import heading, number_text
from alerts.roster.book import RosterBook
from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries.notices import notice_emails
from alerts.storage.queries.units import office as the_office


def add_notice_commands(commands: Any) -> None:
    """Add the `notices` command group to the `jibao` parser."""
    group = commands.add_parser(
        "notices", help="notices (一事一通报): list, draft, approve"
    ).add_subparsers(dest="notices_command", required=True)
    listing = group.add_parser("list", help="the office's notices and the candidates to draft")
    listing.set_defaults(handler=_list)
    drafting = group.add_parser("draft", help="draft a notice from a candidate")
    drafting.add_argument("source", help="obligation:<id> or finding:<id> (see `notices list`)")
    drafting.add_argument("--requirements", help="整改要求 (default: the standard text)")
    drafting.set_defaults(handler=_draft)
    approving = group.add_parser("approve", help="approve a draft: numbered, emailed, published")
    approving.add_argument("notice", type=int, help="the notice's id (see `notices list`)")
    approving.set_defaults(handler=_approve)
    for command in (drafting, approving):
        command.add_argument(
            "--user", required=True, help="the dashboard account acting: section_head or admin"
        )


def _list(args: argparse.Namespace, settings: Settings) -> int:
    t = Translator(settings.language)
    zone = settings.rules.timezone
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            office = the_office(session)
            if office is None:
                print(t("error.no_office"), file=sys.stderr)
                return 1
            view = View(office, None)
            codes = {u.id: u.code for u in session.scalars(select(m.Unit))}
            notices = view.notices(session)
            if not notices:
                print(t("cli_notices.none"))
            for n in notices:
                print(
                    t(
                        "cli_notices.line",
                        id=n.id,
                        number=number_text(t, n),
                        incident=n.incident_id,
                        unit=codes.get(n.unit_id, n.unit_id),
                        kind=n.kind,
                        state=n.state,
                    )
                )
            found = candidates(session, office=office)
            if found:
                print(t("cli_notices.candidates"))
            for s in found:
                due = f"{s.due_at.astimezone(zone):%Y-%m-%d %H:%M}" if s.due_at else "—"
                line = {"source": s.key, "incident": s.incident.id, "unit": s.unit.code}
                print(t("cli_notices.candidate_line", **line, kind=s.kind, due=due))
    finally:
        engine.dispose()
    return 0


def _draft(args: argparse.Namespace, settings: Settings) -> int:
    t = Translator(settings.language)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            user, office = _actor(session, args.user, t)
            if user is None or office is None:
                return 1
            try:
                row = draft(
                    session,
                    translate=t,
                    zone=settings.rules.timezone,
                    office=office,
                    key=args.source,
                    requirements=args.requirements,
                    by=user.display_name,
                    now=SystemClock().now(),
                )
            except Refused as refused:
                print(t("cli_notices.refused") + said(refused, t), file=sys.stderr)
                return 1
            session.commit()
            print(t("cli_notices.drafted", id=row.id, title=row.title))
    finally:
        engine.dispose()
    return 0


def _approve(args: argparse.Namespace, settings: Settings) -> int:
    t = Translator(settings.language)
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            user, office = _actor(session, args.user, t)
            if user is None or office is None:
                return 1
            row = notice_for(session, View(office, None), args.notice)
            try:
                if row is None:
                    raise NotFound("notice_not_found")
                approve(
                    session,
                    settings=settings,
                    roster=RosterBook(settings),
                    translate=t,
                    notice=row,
                    by=user.display_name,
                    user_id=user.id,
                    now=SystemClock().now(),
                )
            except Refused as refused:
                print(t("cli_notices.refused") + said(refused, t), file=sys.stderr)
                return 1
            session.commit()
            emails = len(notice_emails(session, notice_id=row.id))
            print(t("cli_notices.approved", heading=heading(t, row), emails=emails))
    finally:
        engine.dispose()
    return 0


def _actor(session: Session, username: str, t: Translator) -> tuple[m.User | None, m.Unit | None]:
    """The account acting and the office, if it may; else Nones, having said why."""
    user = session.scalar(select(m.User).where(m.User.username == username))
    if user is None or user.disabled:
        print(t("cli_notices.no_user", user=username), file=sys.stderr)
        return None, None
    if user.role not in DRAFTER_ROLES:
        print(t("cli_notices.not_drafter", user=username, role=user.role), file=sys.stderr)
        return None, None
    office = the_office(session)
    if office is None:
        print(t("error.no_office"), file=sys.stderr)
    return user, office
