"""Roster reads beside the resolver (alerts/roster/book.py): vacancies the ladder found, and
what the roster page lists."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.storage.models import RoleVacancy


def role_vacancies(
    session: Session, *, unit_ids: Sequence[int], since: datetime
) -> Sequence[RoleVacancy]:
    """Roles the ladder found vacant in these units since `since`, newest first."""
    return session.scalars(
        select(RoleVacancy)
        .where(RoleVacancy.unit_id.in_(unit_ids), RoleVacancy.at >= since)
        .order_by(RoleVacancy.at.desc(), RoleVacancy.id.desc())
    ).all()
