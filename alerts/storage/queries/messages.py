"""The Messages page's read model: notifications with their recipients, searched and paged."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row, Select, func, or_, select
from sqlalchemy.orm import Session

from alerts.storage.models import Notification, Person


@dataclass(frozen=True)
class MessageSearch:
    """What to look for; None and empty strings filter nothing."""

    unit_id: int | None = None  # only messages to people of this unit
    channel: str = ""
    state: str = ""
    since: datetime | None = None
    before: datetime | None = None
    notification_id: int | None = None
    text: str = ""  # in the subject, body, address, last error or the recipient's name


def count_messages(session: Session, *, search: MessageSearch) -> int:
    """How many notifications match."""
    return session.scalar(select(func.count()).select_from(_matching(search).subquery())) or 0


def matching_messages(
    session: Session, *, search: MessageSearch, offset: int, limit: int
) -> Sequence[Row[Notification, Person]]:
    """(notification, recipient or None) pairs that match, newest first."""
    return session.execute(
        _matching(search)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()


def _matching(search: MessageSearch) -> Select[Notification, Person]:
    query = select(Notification, Person).outerjoin(Person, Person.id == Notification.person_id)
    if search.unit_id is not None:
        query = query.where(Person.unit_id == search.unit_id)
    if search.channel:
        named = Notification.channel.startswith(f"{search.channel}:", autoescape=True)
        query = query.where(or_(Notification.channel == search.channel, named))  # robot:NAME
    if search.state:
        query = query.where(Notification.state == search.state)
    if search.since is not None:
        query = query.where(Notification.created_at >= search.since)
    if search.before is not None:
        query = query.where(Notification.created_at < search.before)
    if search.notification_id is not None:
        query = query.where(Notification.id == search.notification_id)
    if search.text:
        like = f"%{_escape(search.text)}%"
        columns = (
            Notification.subject,
            Notification.body,
            Notification.address,
            Notification.last_error,
            Person.name,
        )
        query = query.where(or_(*(column.ilike(like, escape="\\") for column in columns)))
    return query


def _escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
