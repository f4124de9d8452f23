"""Units and their tokens: look-ups by token or code, the reporting tree, adding units."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.storage.models import Unit, UnitToken


def hash_token(token: str) -> str:
    """Tokens are random, so a plain SHA-256 is enough to keep them unreadable at rest."""
    return hashlib.sha256(token.encode()).hexdigest()


def unit_by_token(session: Session, *, token: str) -> Unit | None:
    """The unit a live (unrevoked) token belongs to."""
    return session.scalar(
        select(Unit)
        .join(UnitToken, UnitToken.unit_id == Unit.id)
        .where(UnitToken.token_hash == hash_token(token), UnitToken.revoked_at.is_(None))
    )


def unit_by_code(session: Session, *, code: str) -> Unit | None:
    """The unit with this code."""
    return session.scalar(select(Unit).where(Unit.code == code))


def office(session: Session) -> Unit | None:
    """The office that runs this service (the first one marked, if several)."""
    return session.scalar(select(Unit).where(Unit.is_office.is_(True)).order_by(Unit.id))


def all_units(session: Session) -> Sequence[Unit]:
    """Every unit, by code."""
    return session.scalars(select(Unit).order_by(Unit.code)).all()


def reporting_office(session: Session, *, unit: Unit) -> Unit | None:
    """The nearest office at or above `unit` in the tree."""
    current: Unit | None = unit
    seen: set[int] = set()
    while current is not None and current.id not in seen:
        if current.is_office:
            return current
        seen.add(current.id)
        current = session.get(Unit, current.parent_id) if current.parent_id else None
    return None


def add_unit(
    session: Session, *, code: str, name: str, parent: Unit | None, is_office: bool, now: datetime
) -> Unit:
    """A new unit under `parent`."""
    unit = Unit(
        code=code,
        name=name,
        parent_id=parent.id if parent else None,
        is_office=is_office,
        created_at=now,
    )
    session.add(unit)
    session.flush()
    return unit


def add_token(session: Session, *, unit: Unit, label: str, now: datetime) -> str:
    """Make a token for `unit`; the plain token is returned once and only its hash is kept."""
    token = "jb_" + secrets.token_urlsafe(32)
    session.add(
        UnitToken(unit_id=unit.id, token_hash=hash_token(token), label=label, created_at=now)
    )
    session.flush()
    return token


def office_and_its_units(session: Session, *, office: Unit) -> list[Unit]:
    """The office first, then every unit reporting to it, by code."""
    return [
        unit
        for unit in session.scalars(select(Unit).order_by(Unit.is_office.desc(), Unit.code))
        if reporting_office(session, unit=unit) is office
    ]


def unit_names(session: Session) -> dict[int, str]:
    """Every unit's name by id."""
    return {unit_id: name for unit_id, name in session.execute(select(Unit.id, Unit.name))}
