"""The tables of leader instructions (批示): the instruction, its responsible units, the moves.

An instruction's clocks are stored as rows of `obligations` (with `instruction_id` set), so the
ladder, acknowledgements and the boards treat them like report clocks (decision 0012)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from alerts.storage.base import Base


class Instruction(Base):
    """One leader's written instruction as the duty room received it; never changed."""

    __tablename__ = "instructions"
    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # whose duty room relays it
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    issuer_name: Mapped[str] = mapped_column(String(100))
    issuer_post: Mapped[str] = mapped_column(String(200))
    issuer_level: Mapped[str] = mapped_column(String(16))  # county | city | province
    kind: Mapped[str] = mapped_column(String(16))  # act | guidance | reference
    text: Mapped[str] = mapped_column(Text)  # exactly as written
    received_at: Mapped[datetime]
    deadline_at: Mapped[datetime | None]  # the deadline written in it, if any
    recorded_by: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]


class InstructionUnit(Base):
    """A responsible unit of an instruction and where it stands (as the rules last said)."""

    __tablename__ = "instruction_units"
    __table_args__ = (UniqueConstraint("instruction_id", "unit_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("instructions.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))


class InstructionStep(Base):
    """One move for one unit: relay, acknowledge, feed back, verify, return, close; only added."""

    __tablename__ = "instruction_steps"
    id: Mapped[int] = mapped_column(primary_key=True)
    instruction_id: Mapped[int] = mapped_column(ForeignKey("instructions.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    move: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    by: Mapped[str] = mapped_column(String(100))
    reason: Mapped[str] = mapped_column(Text, default="")
    text: Mapped[str] = mapped_column(Text, default="")  # the feedback itself
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"))
