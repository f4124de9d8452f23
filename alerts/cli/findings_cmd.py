"""`jibao findings list|confirm|dismiss|reopen`: findings (认定) from the command line. A decision
names the dashboard account that takes it (`--user`, a section_head or an admin), as the
dashboard would record it; the same checks refuse it, and nothing is written then."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.clock import SystemClock
from alerts.config import Settings
from alerts.errors import Refused
from alerts.i18n import Translator
from alerts.records.evidence import MAX_FILE_BYTES, check_files
from alerts.records.findings import DECIDER_ROLES, decide, finding_by_id, lines
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.models import Incident, Unit, User
from alerts.storage.queries.findings import findings_listed
from rules.findings import Decision, FindingState

_HELP = {
    Decision.CONFIRM: "confirm a finding (认定): it counts in the unit's score",
    Decision.DISMISS: "dismiss a finding (不予认定): it does not count",
    Decision.REOPEN: "reopen a decided finding: a candidate again",
}


def add_findings_commands(commands: Any) -> None:
    """Add the `findings` command group to the `jibao` parser."""
    group = commands.add_parser(
        "findings", help="findings (认定): list, confirm, dismiss, reopen"
    ).add_subparsers(dest="findings_command", required=True)
    listing = group.add_parser("list", help="findings newest first, with every decision")
    listing.add_argument("--incident", type=int, help="one incident's only")
    listing.add_argument("--state", choices=[s.value for s in FindingState])
    listing.set_defaults(handler=_list)
    for move in Decision:
        command = group.add_parser(move.value, help=_HELP[move])
        command.add_argument("finding", type=int, help="the finding's id (see `findings list`)")
        command.add_argument(
            "--user", required=True, help="the dashboard account deciding: section_head or admin"
        )
        command.add_argument("--reason", required=True, help="why (required)")
        command.add_argument("--evidence", default="", help="evidence in words")
        command.add_argument(
            "--file", action="append", default=[], help="an evidence file; repeat for more"
        )
        command.set_defaults(handler=_decide, decision=move.value)


def _list(args: argparse.Namespace, settings: Settings) -> int:
    t = Translator(settings.language)
    zone = settings.rules.timezone
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            rows = findings_listed(session, incident_id=args.incident, state=args.state)
            if not rows:
                print(t("cli_findings.none"))
            codes = {u.id: u.code for u in session.scalars(select(Unit))}
            for finding in rows:
                incident = session.get(Incident, finding.incident_id)
                assert incident is not None
                [line] = lines(session, incident, [finding])
                print(
                    t(
                        "cli_findings.line",
                        id=finding.id,
                        incident=finding.incident_id,
                        unit=codes.get(finding.unit_id, finding.unit_id),
                        kind=finding.kind,
                        state=finding.state,
                        raised=f"{finding.raised_at.astimezone(zone):%Y-%m-%d %H:%M}",
                    )
                )
                for d in line.decisions:
                    row = d.decision
                    print(
                        t(
                            "cli_findings.decision_line",
                            at=f"{row.at.astimezone(zone):%Y-%m-%d %H:%M}",
                            by=row.by,
                            decision=row.decision,
                            state=row.to_state,
                            reason=row.reason,
                        )
                    )
    finally:
        engine.dispose()
    return 0


def _decide(args: argparse.Namespace, settings: Settings) -> int:
    t = Translator(settings.language)
    uploads = []
    for name in args.file:
        path = Path(name)
        try:
            with path.open("rb") as handle:
                uploads.append((path.name, handle.read(MAX_FILE_BYTES + 1)))
        except OSError as exc:
            print(t("cli_findings.unreadable", file=name, problem=exc.strerror), file=sys.stderr)
            return 1
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            user = _decider(session, args.user, t)
            if user is None:
                return 1
            try:
                finding, _ = finding_by_id(session, args.finding)
                decide(
                    session,
                    finding=finding,
                    decision=args.decision,
                    reason=args.reason,
                    evidence=args.evidence,
                    files=check_files(uploads),
                    by=user.display_name,
                    user_id=user.id,
                    now=SystemClock().now(),
                )
            except Refused as refused:
                print(t("cli_findings.refused") + said(refused, t), file=sys.stderr)
                return 1
            session.commit()
            print(t("cli_findings.done", id=finding.id, state=finding.state))
    finally:
        engine.dispose()
    return 0


def _decider(session: Session, username: str, t: Translator) -> User | None:
    """The account deciding, if it may; else None, having said why."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or user.disabled:
        print(t("cli_findings.no_user", user=username), file=sys.stderr)
        return None
    if user.role not in DECIDER_ROLES:
        print(t("cli_findings.not_decider", user=username, role=user.role), file=sys.stderr)
        return None
    return user


def said(refused: Refused, t: Translator) -> str:
    """A refusal in words: what it says as a whole, then each field's problem."""
    parts = [t(f"error.{refused.code}", **refused.params)] if refused.code != "invalid" else []
    parts += [f"{p.field}: {t(f'problem.{p.problem}', **p.params)}" for p in refused.fields]
    return "；".join(parts) if t.language == "zh_CN" else "; ".join(parts)
