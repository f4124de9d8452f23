"""The directory the admins keep: units, their people, the units' API tokens and dashboard users.
The admin pages and the `jibao unit|user` commands both change it through these functions, and
each change is audited (alerts/audit.py) in the caller's transaction. The callers check their
input first and phrase their own refusals; nothing here commits."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts import audit
from alerts.passwords import hash_password
from alerts.storage import models as m
from alerts.storage.queries.units import add_token, add_unit, hash_token


def create_unit(
    session: Session,
    *,
    actor: str,
    now: datetime,
    code: str,
    name: str,
    parent: m.Unit | None,
    is_office: bool,
) -> m.Unit:
    """A new unit under `parent`."""
    unit = add_unit(session, code=code, name=name, parent=parent, is_office=is_office, now=now)
    audit.created(session, actor=actor, at=now, row=unit)
    return unit


def create_person(
    session: Session,
    *,
    actor: str,
    now: datetime,
    unit: m.Unit,
    name: str,
    post: str,
    phone: str | None,
    email: str | None,
) -> m.Person:
    """Someone of `unit` who can be told."""
    person = m.Person(
        unit_id=unit.id, name=name, post=post, phone=phone, email=email, created_at=now
    )
    session.add(person)
    audit.created(session, actor=actor, at=now, row=person)
    return person


def update_person(
    session: Session, *, actor: str, now: datetime, person: m.Person, changes: dict[str, str | None]
) -> None:
    """Change some of a person's name, post, phone and email (the keys given)."""
    before = audit.snapshot(person)
    for field, value in changes.items():
        setattr(person, field, value)
    audit.changed(session, actor=actor, at=now, row=person, before=before, action="update")


def issue_token(session: Session, *, actor: str, now: datetime, unit: m.Unit, label: str) -> str:
    """A new API token for `unit`, returned this once; the audit says only that it was made."""
    token = add_token(session, unit=unit, label=label, now=now)
    row = session.scalar(select(m.UnitToken).where(m.UnitToken.token_hash == hash_token(token)))
    assert row is not None
    audit.created(session, actor=actor, at=now, row=row)
    return token


def revoke_token(session: Session, *, actor: str, now: datetime, token: m.UnitToken) -> bool:
    """Revoke a live token; False (and nothing recorded) when it already was."""
    if token.revoked_at is not None:
        return False
    before = audit.snapshot(token)
    token.revoked_at = now
    audit.changed(session, actor=actor, at=now, row=token, before=before, action="revoke")
    return True


def create_user(
    session: Session,
    *,
    actor: str,
    now: datetime,
    username: str,
    display_name: str,
    password: str,
    role: str,
    unit: m.Unit,
    person_id: int | None,
) -> m.User:
    """A dashboard account; its password kept only as a hash, audited only as "changed"."""
    user = m.User(
        username=username,
        display_name=display_name,
        password_hash=hash_password(password),
        role=role,
        unit_id=unit.id,
        person_id=person_id,
        created_at=now,
    )
    session.add(user)
    audit.created(session, actor=actor, at=now, row=user)
    return user


def change_role(session: Session, *, actor: str, now: datetime, user: m.User, role: str) -> None:
    """Give `user` another role (recorded only if it is another)."""
    before = audit.snapshot(user)
    user.role = role
    audit.changed(session, actor=actor, at=now, row=user, before=before, action="update")


def set_disabled(
    session: Session, *, actor: str, now: datetime, user: m.User, disabled: bool
) -> None:
    """Disable or enable an account (recorded only if that changes it)."""
    before = audit.snapshot(user)
    user.disabled = disabled
    action = "disable" if disabled else "enable"
    audit.changed(session, actor=actor, at=now, row=user, before=before, action=action)
