"""The information section's published bulletins (通报): K14 monthly, K15 quarterly."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from alerts.storage.base import Base


class Bulletin(Base):
    """A bulletin as published: its number, period, who published it and when, and every unit's
    figures frozen at that moment (a later correction to the records does not rewrite it)."""

    __tablename__ = "bulletins"
    __table_args__ = (UniqueConstraint("office_id", "kind", "period"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # monthly | quarterly
    period: Mapped[str] = mapped_column(String(8))  # 2026-11, 2026-Q4
    year: Mapped[int]
    number: Mapped[int]  # 第 N 期 within the office's bulletins of its kind and year
    published_at: Mapped[datetime]
    published_by: Mapped[str] = mapped_column(String(100))
    rows: Mapped[list[Any]]  # one dict per unit: its code, name and UnitRecord's fields
