"""The roster's tables: explicit shifts, rotations, swaps, special periods, handovers, gap
alerts, duty checks and role vacancies. `alerts.storage.models` re-exports them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from alerts.storage.base import Base


class RosterShift(Base):
    """Someone explicitly on duty in a role from when to when: an imported roster day or a
    one-off override. It replaces the unit's rotation for exactly its span."""

    __tablename__ = "roster_shifts"
    __table_args__ = (Index("ix_roster_unit_role_start", "unit_id", "role", "starts_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(32))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    source: Mapped[str] = mapped_column(String(16), default="override")  # import | override
    note: Mapped[str] = mapped_column(String(200), default="")


class Rotation(Base):
    """A pattern of turns: weekly county duty officers, daily township leaders, day/night shifts."""

    __tablename__ = "rotations"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    cadence: Mapped[str] = mapped_column(String(8))  # week | day | shift
    starts_on: Mapped[date]
    ends_on: Mapped[date | None]
    changes_at: Mapped[list[Any]]  # local times, "08:30"
    members: Mapped[list[Any]]  # person ids in turn order
    holiday_members: Mapped[list[Any]] = mapped_column(default=list)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]


class SwapRequest(Base):
    """调班: one person's duty taken by another; pages change only once approved."""

    __tablename__ = "roster_swaps"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    from_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    to_person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(String(300), default="")
    requested_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12), default="pending")  # pending|approved|rejected
    decided_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None]


class SpecialPeriod(Base):
    """A period marked on the roster: flood season (汛期), a major event, a holiday duty."""

    __tablename__ = "special_periods"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))  # None: every unit
    name: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(32))  # flood_season | major_event | holiday_duty
    starts_on: Mapped[date]
    ends_on: Mapped[date]


class Handover(Base):
    """交接班 at a shift's end: the open clocks handed over, notes, and the incoming acceptance."""

    __tablename__ = "handovers"
    __table_args__ = (UniqueConstraint("unit_id", "role", "shift_end_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    shift_end_at: Mapped[datetime]
    outgoing_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    incoming_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    items: Mapped[list[Any]]  # open obligations at the handover
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None]
    accepted_by_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    alerted_at: Mapped[datetime | None]  # the leader on duty was told it was not accepted


class GapAlert(Base):
    """A roster gap the office director was told of; unique, so it is told once."""

    __tablename__ = "gap_alerts"
    __table_args__ = (UniqueConstraint("unit_id", "role", "starts_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    role: Mapped[str] = mapped_column(String(32))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    alerted_at: Mapped[datetime]


class DutyCheck(Base):
    """查岗: the duty room pings a unit's officer on duty, who must answer in time."""

    __tablename__ = "duty_checks"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    code: Mapped[str] = mapped_column(String(8))
    asked_at: Mapped[datetime]
    due_at: Mapped[datetime]
    answered_at: Mapped[datetime | None]
    escalated_at: Mapped[datetime | None]


class RoleVacancy(Base):
    """A duty role a ladder step needed at a moment and nobody held: a roster gap met in use."""

    __tablename__ = "role_vacancies"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    at: Mapped[datetime] = mapped_column(index=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"))
    step_key: Mapped[str] = mapped_column(String(64))
