"""The audit of configuration's one table: who changed which unit, person, token, user or roster
entry, when, and the fields before and after. `alerts.storage.models` re-exports it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from alerts.storage.base import Base


class ConfigChange(Base):
    """One change to the configuration; rows are only ever added, in the change's transaction.

    `changes` maps each changed field to `{"before": …, "after": …}`, or to the string
    "changed" for a secret (a password hash, a token's hash), whose values are never kept."""

    __tablename__ = "config_changes"
    __table_args__ = (Index("ix_config_changes_entity_at", "entity", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(index=True)
    actor: Mapped[str] = mapped_column(String(100))  # dashboard:NAME | api:UNIT | cli:OS_USER
    entity: Mapped[str] = mapped_column(String(32))  # unit | person | token | user | rotation …
    entity_id: Mapped[int | None]  # the row changed (for a roster import: the unit)
    ref: Mapped[str] = mapped_column(String(200), default="")  # code, username, label…
    action: Mapped[str] = mapped_column(String(16))  # create | update | revoke | import …
    changes: Mapped[dict[str, Any]]
