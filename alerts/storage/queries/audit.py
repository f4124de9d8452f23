"""The configuration audit's read model: changes searched by entity and time, newest first."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from alerts.storage.models import ConfigChange


@dataclass(frozen=True)
class ChangeSearch:
    """What to look for; None and empty strings filter nothing."""

    entity: str = ""
    since: datetime | None = None  # at or after
    before: datetime | None = None  # strictly before


def count_changes(session: Session, *, search: ChangeSearch) -> int:
    """How many recorded changes match."""
    return session.scalar(select(func.count()).select_from(_matching(search).subquery())) or 0


def matching_changes(
    session: Session, *, search: ChangeSearch, offset: int, limit: int
) -> Sequence[ConfigChange]:
    """The matching changes, newest first (the later-written first within one moment)."""
    return session.scalars(
        _matching(search)
        .order_by(ConfigChange.at.desc(), ConfigChange.id.desc())
        .offset(offset)
        .limit(limit)
    ).all()


def _matching(search: ChangeSearch) -> Select[ConfigChange]:
    query = select(ConfigChange)
    if search.entity:
        query = query.where(ConfigChange.entity == search.entity)
    if search.since is not None:
        query = query.where(ConfigChange.at >= search.since)
    if search.before is not None:
        query = query.where(ConfigChange.at < search.before)
    return query
