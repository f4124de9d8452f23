"""Demo dashboard accounts, one per kind of user, all with one demo password printed in the
banner. The leader account is whoever leads the office's duty today, so it can approve the
demo's pending swap."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from alerts.config import Settings
from alerts.passwords import hash_password
from alerts.roster.book import RosterBook
from alerts.storage.models import User
from alerts.storage.queries import office, unit_by_code

DEMO_PASSWORD = "jibao-demo-2026"
# username, role, unit code (None: the office), roster role whose holder the account is
ACCOUNTS = (
    ("admin", "admin", None, None),
    ("duty", "duty_room", None, "duty_officer"),
    ("leader", "leader", None, "leader_on_duty"),
    ("section", "section_head", None, "section_head"),
    ("qdh", "unit_officer", "qdh", "duty_officer"),
)
NAMES = {
    "admin": "管理员",
    "duty": "值班员",
    "leader": "带班领导",
    "section": "信息科",
    "qdh": "千岛湖镇值班员",
}


def add_accounts(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> None:
    """One account per role; each linked to the roster person holding that role now."""
    book = RosterBook(settings)
    password = hash_password(DEMO_PASSWORD)
    with sessions() as session:
        for username, role, code, roster_role in ACCOUNTS:
            unit = unit_by_code(session, code=code) if code else office(session)
            assert unit is not None
            person = None
            if roster_role:
                holders = book.holders(session, unit_id=unit.id, role=roster_role, at=now)
                person = holders[0] if holders else None
            session.add(
                User(
                    username=username,
                    display_name=person.name if person else NAMES[username],
                    password_hash=password,
                    role=role,
                    unit_id=unit.id,
                    person_id=person.id if person else None,
                    created_at=now,
                )
            )
        session.commit()
