"""An incident's timeline events, collected during one change and written in one statement."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.orm import Session

from alerts.storage.models import Event


class Timeline:
    """Events for one incident at one moment; `write` appends them (events are never changed).
    With no incident (an instruction on none) there is no timeline: `write` drops them."""

    def __init__(self, incident_id: int | None, at: datetime) -> None:
        self.incident_id = incident_id
        self.at = at
        self.rows: list[dict[str, Any]] = []

    def add(self, kind: str, data: dict[str, Any]) -> None:
        """Record one event."""
        self.rows.append(
            {"incident_id": self.incident_id, "at": self.at, "kind": kind, "data": data}
        )

    def write(self, session: Session) -> None:
        """Insert the collected events in one statement."""
        if self.rows and self.incident_id is not None:
            session.execute(insert(Event), self.rows)
            self.rows = []
