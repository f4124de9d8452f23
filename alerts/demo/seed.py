"""`jibao demo`: a realistic county with a week of duty roster, incidents in every state and
leader instructions (批示) at every stage.

The seed files its incidents through `intake.file_report` at past moments, exactly as the
webhook would have taken them then, records and moves its instructions the same way
(alerts/demo/instructions.py), and re-assesses everything at the real now at the end, so the
dashboard opens on reports met, late, pending, overdue, missed and closed, and on instructions
just received, relayed, acknowledged, fed back, verified, closed, returned, waived and chased."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import NamedTuple

from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from alerts.clock import SystemClock
from alerts.config import Settings
from alerts.demo.accounts import add_accounts
from alerts.demo.bodies import Moments, filing_body, try_it_body
from alerts.demo.data import (
    COUNTY,
    DEMO_UNIT,
    INSTRUCTIONS,
    OFFICE,
    SCENARIOS,
    UNITS,
    People,
    Scenario,
    demo_people,
)
from alerts.demo.history import replay_ladders
from alerts.demo.instructions import add_instructions, reassess_instructions
from alerts.demo.roster import add_roster
from alerts.filing.assessments import reassess
from alerts.filing.intake import file_report
from alerts.filing.report import read_report
from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory, migrate, normalize_url
from alerts.storage.queries.units import add_token, add_unit, office, unit_by_code

Sessions = sessionmaker[Session]
OFFICE_PARENT = {"office": "city"}  # the office sits under the city; everyone else under the office


class IssuedToken(NamedTuple):
    """A token made for the banner; the database keeps only its hash."""

    code: str
    name: str
    token: str


def run_demo(settings: Settings, *, host: str, port: int, fresh: bool) -> int:
    """Seed the demo county unless it is there and print how to try it (at `host`:`port`, where
    the command then serves it)."""
    url = settings.database_url
    if fresh and not is_sqlite(url):
        print(
            f"--fresh only deletes a SQLite demo file; refusing for {_safe_url(url)}",
            file=sys.stderr,
        )
        return 1
    if fresh:
        for path in delete_sqlite_files(url):
            print(f"removed {path}")
    migrate(url)
    engine = make_engine(url)
    try:
        sessions = make_session_factory(engine)
        tokens = seed(sessions, settings)
        seeded = tokens is not None
        if tokens is None:
            tokens = reissue_tokens(sessions, SystemClock().now())
    finally:
        engine.dispose()
    print(banner(settings, host=host, port=port, tokens=tokens, seeded=seeded))
    return 0


def is_sqlite(url: str) -> bool:
    """True when `url` names a SQLite database."""
    return make_url(normalize_url(url)).get_backend_name() == "sqlite"


def delete_sqlite_files(url: str) -> list[Path]:
    """Delete the SQLite file of `url` with its -wal, -shm and -journal files; those removed."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return []
    path = Path(database)
    candidates = [path, *(path.with_name(path.name + end) for end in ("-wal", "-shm", "-journal"))]
    removed = [candidate for candidate in candidates if candidate.exists()]
    for candidate in removed:
        candidate.unlink()
    return removed


def seed(sessions: Sessions, settings: Settings) -> list[IssuedToken] | None:
    """Seed units, people, roster and incidents when there are no units; the banner's tokens."""
    with sessions() as session:
        if session.scalar(select(func.count()).select_from(m.Unit)):
            return None
    now = SystemClock().now()
    people = demo_people()
    tokens = _add_units(sessions, now)
    staff = _add_people(sessions, people, now)
    add_roster(sessions, settings.rules.timezone, staff, now)
    add_accounts(sessions, settings, now)
    moments = Moments(now.replace(second=0, microsecond=0), settings.rules.timezone)
    incidents = {
        scenario.ref: _file_scenario(sessions, settings, scenario, people, moments)
        for scenario in SCENARIOS
    }
    add_instructions(
        sessions, settings, INSTRUCTIONS, people=people, moments=moments, incidents=incidents
    )
    now = SystemClock().now()
    reassess_all(sessions, settings, now)
    reassess_instructions(sessions, settings, now)
    replay_ladders(sessions, settings, now)
    by_code = {token.code: token for token in tokens}
    return [by_code[DEMO_UNIT], by_code[OFFICE]]


def _add_units(sessions: Sessions, now: datetime) -> list[IssuedToken]:
    tokens = []
    with sessions() as session:
        parent: dict[str, m.Unit] = {}
        for spec in UNITS:
            above = None if spec.kind == "city" else parent[OFFICE_PARENT.get(spec.kind, "office")]
            unit = add_unit(
                session,
                code=spec.code,
                name=spec.name,
                parent=above,
                is_office=spec.kind == "office",
                now=now,
            )
            parent.setdefault(spec.kind, unit)
            tokens.append(
                IssuedToken(
                    spec.code, spec.name, add_token(session, unit=unit, label="demo", now=now)
                )
            )
        session.commit()
    return tokens


def _add_people(
    sessions: Sessions, people: People, now: datetime
) -> dict[int, list[tuple[str, int]]]:
    """People of every unit; by unit id, each person's demo role and id."""
    staff: dict[int, list[tuple[str, int]]] = {}
    with sessions() as session:
        for code, members in people.items():
            unit = unit_by_code(session, code=code)
            assert unit is not None
            rows = [
                m.Person(
                    unit_id=unit.id,
                    name=p.name,
                    post=p.post,
                    phone=p.phone,
                    email=p.email,
                    created_at=now,
                )
                for p in members
            ]
            session.add_all(rows)
            session.flush()
            staff[unit.id] = [(p.role, row.id) for p, row in zip(members, rows, strict=True)]
        session.commit()
    return staff


def _file_scenario(
    sessions: Sessions, settings: Settings, scenario: Scenario, people: People, moments: Moments
) -> int:
    """File the scenario's steps; its incident's id."""
    incident_id: int | None = None
    for step in scenario.steps:
        body = filing_body(scenario, step, people, moments, incident_id)
        by_office = step.by == "office" or step.kind in ("phone", "register")
        with sessions() as session:
            filer = unit_by_code(session, code=OFFICE if by_office else scenario.unit)
            assert filer is not None
            outcome = file_report(
                session,
                settings=settings,
                filer=filer,
                body=read_report(body),
                now=moments.at(step.ago),
            )
            session.commit()
        incident_id = outcome.incident.id
    assert incident_id is not None, scenario.ref
    return incident_id


def reassess_all(sessions: Sessions, settings: Settings, now: datetime) -> int:
    """Re-assess every stored incident at `now` and commit; the number re-assessed."""
    with sessions() as session:
        codes = {id_: code for id_, code in session.execute(select(m.Unit.id, m.Unit.code))}
        incidents = session.scalars(select(m.Incident).order_by(m.Incident.id)).all()
        for incident in incidents:
            reassess(
                session,
                incident=incident,
                unit_code=codes[incident.unit_id],
                office_code=codes[incident.office_id],
                settings=settings,
                now=now,
            )
        session.commit()
    return len(incidents)


def reissue_tokens(sessions: Sessions, now: datetime) -> list[IssuedToken]:
    """New tokens for the demo township and the office (old ones are kept only as hashes)."""
    tokens = []
    with sessions() as session:
        for unit in (unit_by_code(session, code=DEMO_UNIT), office(session)):
            if unit is not None:
                token = add_token(session, unit=unit, label="demo (re-issued)", now=now)
                tokens.append(IssuedToken(unit.code, unit.name, token))
        session.commit()
    return tokens


def banner(
    settings: Settings, *, host: str, port: int, tokens: list[IssuedToken], seeded: bool
) -> str:
    """What to open and what to paste, printed before serving."""
    base = f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"
    people = sum(len(members) for members in demo_people().values())
    accounts = COUNTY.accounts
    if seeded:
        news = (
            f"  Seeded a demo county: {len(UNITS)} units, {people} people, "
            f"{len(SCENARIOS)} incidents,\n  {len(INSTRUCTIONS)} leader instructions (批示) "
            "and six weeks of duty roster."
        )
    else:
        news = "  The database already has units: seeding skipped."
    lines = [
        "",
        "急报 Jibao demo",
        "",
        news,
        f"  Dashboard:        {base}/  (值班台)",
        f"  Sign in as:       {', '.join(a.username for a in accounts.users)}; "
        f"password: {accounts.password}",
        f"  API docs:         {base}/docs",
        f"  Database:         {_safe_url(settings.database_url)}",
        "  Notifications:    dry-run (recorded, not sent; see each incident's notifications)",
        "",
        *(f"  {t.name} ({t.code}) token: {t.token}" for t in tokens),
        "  Tokens are stored only as hashes and shown once"
        + ("." if seeded else ": these were issued just now; earlier ones still work."),
        *_examples(settings, base, tokens),
    ]
    return "\n".join([*lines, ""])


def _examples(settings: Settings, base: str, tokens: list[IssuedToken]) -> list[str]:
    lines = []
    for token in tokens:
        if token.code == DEMO_UNIT:
            body = try_it_body(settings.rules.timezone, SystemClock().now())
            text = json.dumps(body, ensure_ascii=False, separators=(",", ":"))
            lines += [
                "",
                f"  File an initial report (首报) as {token.name}:",
                f"curl -X POST {base}/api/v1/filings -H 'Authorization: Bearer {token.token}' "
                f"-H 'Content-Type: application/json' -d '{text}'",
            ]
        else:
            lines += [
                "",
                f"  List open incidents as {token.name}:",
                f"curl {base}/api/v1/incidents -H 'Authorization: Bearer {token.token}'",
            ]
    return lines


def _safe_url(url: str) -> str:
    return make_url(normalize_url(url)).render_as_string(hide_password=True)
