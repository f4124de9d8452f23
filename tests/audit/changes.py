"""Reading the configuration audit back in tests: its rows, and all of it as one text to search
for secrets that must not be there."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory


def audit_rows(database_url: str, **where: Any) -> list[m.ConfigChange]:
    """The audit's rows matching `where`, oldest first."""
    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        query = select(m.ConfigChange).filter_by(**where).order_by(m.ConfigChange.id)
        rows = list(session.scalars(query))
        session.expunge_all()
    engine.dispose()
    return rows


def audit_text(database_url: str) -> str:
    """Every audit row as JSON text (what a reader of the table could learn)."""
    return json.dumps(
        [[r.actor, r.entity, r.ref, r.action, r.changes] for r in audit_rows(database_url)],
        ensure_ascii=False,
    )


def after(row: m.ConfigChange, field: str) -> Any:
    """A changed field's new value."""
    return row.changes[field]["after"]
