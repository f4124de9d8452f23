"""The office's own reports to its parent (上报: 首报, 续报, 终报), from draft to receipt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from alerts.storage.base import Base


class UpwardReport(Base):
    """One upward report of one incident: the fields as drafted and edited (统一口径), the
    leader's decision, and its delivery to the parent with the parent's receipt.

    `state` is draft | returned | approved | declined. Once approved, `body` holds the exact
    bytes filed at the parent (signed and retried unchanged), `notification_id` the outbox row
    that carries them, and the parent's 201 fills `received_at` and the parent's ids; the
    office's own filing of it (`filing_id`) meets its obligation at that time."""

    __tablename__ = "upward_reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    parent: Mapped[str] = mapped_column(String(64))  # [[upward.parents]] name
    kind: Mapped[str] = mapped_column(String(16))  # first | followup | final
    number: Mapped[int | None]  # 续报 N among the office's follow-ups to the parent
    state: Mapped[str] = mapped_column(String(16), index=True)
    fields: Mapped[dict[str, Any]]  # the report's fields as the parent's filing takes them
    drafted_by: Mapped[str] = mapped_column(String(100))
    drafted_at: Mapped[datetime]
    updated_by: Mapped[str] = mapped_column(String(100))
    updated_at: Mapped[datetime]
    decided_by: Mapped[str | None] = mapped_column(String(100))  # the approver (审定, 签发)
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)  # why returned or not forwarded
    delivery_key: Mapped[str | None] = mapped_column(String(100), unique=True)  # Idempotency-Key
    body: Mapped[str | None] = mapped_column(Text)
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"), index=True)
    queued_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]  # as the parent says it received it
    parent_incident_id: Mapped[int | None]
    parent_filing_id: Mapped[int | None]
    receipt: Mapped[dict[str, Any] | None]  # the parent's 201 answer, its obligations among it
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"))
