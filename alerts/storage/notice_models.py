"""The information section's notices (一事一通报): one per late report, or per confirmed missed
or concealed one, drafted from the record with its facts frozen, then approved and numbered."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from alerts.storage.base import Base


class Notice(Base):
    """A notice about one unit's late, missed or concealed report of one incident: the facts
    as they stood when it was drafted (a later change to the record does not rewrite them), its
    text, and once approved its number (〔year〕第 N 号 within the office and year)."""

    __tablename__ = "notices"
    __table_args__ = (
        UniqueConstraint("source"),  # one notice per late obligation or confirmed finding
        UniqueConstraint("office_id", "year", "number"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)  # the one told
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # late | missed | concealed
    source: Mapped[str] = mapped_column(String(40))  # obligation:<id> | finding:<id>
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligations.id"))
    finding_id: Mapped[int | None] = mapped_column(ForeignKey("findings.id"))
    # the decision that confirmed the finding, whose reason the notice gives
    decision_id: Mapped[int | None] = mapped_column(ForeignKey("finding_decisions.id"))
    report_kind: Mapped[str | None] = mapped_column(String(32))  # initial | written | upward
    unit_name: Mapped[str] = mapped_column(String(200))
    incident_title: Mapped[str] = mapped_column(String(500))
    due_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    minutes_late: Mapped[int | None]
    reason: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(String(800))
    body: Mapped[str] = mapped_column(Text)
    requirements: Mapped[str] = mapped_column(Text)  # 整改要求: the head may edit it
    state: Mapped[str] = mapped_column(String(16))  # draft | approved
    drafted_at: Mapped[datetime]
    drafted_by: Mapped[str] = mapped_column(String(100))
    year: Mapped[int | None]
    number: Mapped[int | None]
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[str | None] = mapped_column(String(100))
    approved_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # None: API
    updated_at: Mapped[datetime]
