"""The names above the office for the county-knows-first rule (C1): the office's ancestors in
the unit tree, then `rules.chain.higher_offices`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.storage import models as m

_MAX_DEPTH = 16  # a unit tree is a few levels deep; this only stops a cycle someone stored


def higher_names(session: Session, *, office_id: int, settings: Settings) -> tuple[str, ...]:
    """Every name that, found in an `already_reported_to` entry's `to`, puts it above the office."""
    names: list[str] = []
    office = session.get(m.Unit, office_id)
    parent_id = office.parent_id if office is not None else None
    for _ in range(_MAX_DEPTH):
        if parent_id is None:
            break
        parent = session.get(m.Unit, parent_id)
        if parent is None:
            break
        names.append("".join(parent.name.split()))
        parent_id = parent.parent_id
    return (*names, *settings.rules.chain.higher_offices)
