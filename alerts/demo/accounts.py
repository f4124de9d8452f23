"""Demo dashboard accounts, one per kind of user, all with one demo password printed in the
banner (county.toml lists them). The leader account is whoever leads the office's duty today, so
it can approve the demo's pending swap."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session, sessionmaker

from alerts.config import Settings
from alerts.demo.data import COUNTY
from alerts.passwords import hash_password
from alerts.roster.book import RosterBook
from alerts.storage.models import User
from alerts.storage.queries.units import office, unit_by_code


def add_accounts(sessions: sessionmaker[Session], settings: Settings, now: datetime) -> None:
    """One account per role; each linked to the roster person holding that role now."""
    book = RosterBook(settings)
    password = hash_password(COUNTY.accounts.password)
    with sessions() as session:
        for account in COUNTY.accounts.users:
            unit = unit_by_code(session, code=account.unit) if account.unit else office(session)
            assert unit is not None
            person = None
            if account.roster_role:
                holders = book.holders(session, unit_id=unit.id, role=account.roster_role, at=now)
                person = holders[0] if holders else None
            session.add(
                User(
                    username=account.username,
                    display_name=person.name if person else account.name,
                    password_hash=password,
                    role=account.role,
                    unit_id=unit.id,
                    person_id=person.id if person else None,
                    created_at=now,
                )
            )
        session.commit()
