"""The tables: units and people, tokens, incidents, filings, obligations, the timeline, escalations,
notifications, acknowledgements and dashboard users; the roster's, instructions', findings',
bulletins', notices', upward reports' and the configuration audit's are in their own
*_models.py, re-exported here, so `models.X` names every table."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, validates

from alerts.phones import E164_MAX, EXTENSION_MAX, parse_phone
from alerts.storage.audit_models import ConfigChange as ConfigChange
from alerts.storage.base import Base as Base
from alerts.storage.bulletin_models import Bulletin as Bulletin
from alerts.storage.finding_models import Finding as Finding
from alerts.storage.finding_models import FindingDecision as FindingDecision
from alerts.storage.finding_models import FindingEvidence as FindingEvidence
from alerts.storage.instruction_models import Instruction as Instruction
from alerts.storage.instruction_models import InstructionStep as InstructionStep
from alerts.storage.instruction_models import InstructionUnit as InstructionUnit
from alerts.storage.notice_models import Notice as Notice
from alerts.storage.owed import StillOwed
from alerts.storage.roster_models import DutyCheck as DutyCheck
from alerts.storage.roster_models import GapAlert as GapAlert
from alerts.storage.roster_models import Handover as Handover
from alerts.storage.roster_models import RoleVacancy as RoleVacancy
from alerts.storage.roster_models import RosterShift as RosterShift
from alerts.storage.roster_models import Rotation as Rotation
from alerts.storage.roster_models import SpecialPeriod as SpecialPeriod
from alerts.storage.roster_models import SwapRequest as SwapRequest
from alerts.storage.upward_models import UpwardReport as UpwardReport


class Unit(Base):
    """A reporting unit (报送单位); units form a tree and one of them is the office."""

    __tablename__ = "units"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    is_office: Mapped[bool] = mapped_column(default=False)
    signing_secret: Mapped[str | None] = mapped_column(String(200))
    require_signature: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class UnitToken(Base):
    """A unit's API token, kept only as a SHA-256 hash; shown once when made."""

    __tablename__ = "unit_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]


class Person(Base):
    """Someone who can be told: a duty officer, a leader, a section head."""

    __tablename__ = "people"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    post: Mapped[str] = mapped_column(String(100), default="")
    phone: Mapped[str | None] = mapped_column(String(32))  # as typed
    phone_e164: Mapped[str | None] = mapped_column(String(E164_MAX), index=True)  # dialled
    phone_extension: Mapped[str | None] = mapped_column(String(EXTENSION_MAX))
    email: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime]

    @validates("phone")  # the dialled number, indexed: an SMS reply finds its sender by it
    def _read_phone(self, _: str, phone: str | None) -> str | None:
        found = parse_phone(phone) if phone else None
        self.phone_e164 = found.e164 if found else None
        self.phone_extension = found.extension if found else None
        return phone


class Incident(Base):
    """One emergency; its summary columns are derived from filings by the rules."""

    __tablename__ = "incidents"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    external_ref: Mapped[str | None] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(500))
    category: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str | None] = mapped_column(String(4))
    clock_severity: Mapped[str] = mapped_column(String(4))
    sensitive: Mapped[bool] = mapped_column(default=False)
    classified: Mapped[bool] = mapped_column(default=False)
    state: Mapped[str] = mapped_column(String(32), index=True)
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    next_due_at: Mapped[datetime | None] = mapped_column(index=True)
    next_change_at: Mapped[datetime | None] = mapped_column(index=True)
    flags: Mapped[list[Any]] = mapped_column(default=list)
    archived_at: Mapped[datetime | None]  # 归档: read-only from then on
    archived_by: Mapped[str | None] = mapped_column(String(100))


class Filing(Base):
    """One report as received; never changed once stored."""

    __tablename__ = "filings"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # whose report it is
    filed_by_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))  # whose token sent it
    kind: Mapped[str] = mapped_column(String(16))
    party: Mapped[str] = mapped_column(String(8))
    number: Mapped[int | None]  # 续报 N for follow-ups, per party
    received_at: Mapped[datetime]
    complete: Mapped[bool] = mapped_column(default=True)
    payload: Mapped[dict[str, Any]]


class Obligation(StillOwed, Base):
    """What is owed by when, as the rules last assessed it; one row per incident and key. An
    instruction's clocks have `instruction_id` set, and `incident_id` only if it is on one."""

    __tablename__ = "obligations"
    __table_args__ = (UniqueConstraint("incident_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"))
    instruction_id: Mapped[int | None] = mapped_column(ForeignKey("instructions.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))
    party: Mapped[str] = mapped_column(String(8))
    owed_by_unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    number: Mapped[int | None]
    anchor_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    met_at: Mapped[datetime | None]
    met_by_filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"))
    late_minutes: Mapped[int | None]
    after_chasing: Mapped[bool] = mapped_column(default=False)
    grace_after_raise: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(String(200))
    opened_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    # when the engine must look at this obligation's ladder next; None: nothing to escalate
    next_escalation_at: Mapped[datetime | None] = mapped_column(index=True)


class Waiver(Base):
    """An admin's waiver of one obligation, with the reason; input to the rules."""

    __tablename__ = "waivers"
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    instruction_id: Mapped[int | None] = mapped_column(ForeignKey("instructions.id"), index=True)
    obligation_key: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
    reason: Mapped[str] = mapped_column(Text)
    by: Mapped[str] = mapped_column(String(100))


class Event(Base):
    """An entry on an incident's timeline; rows are only ever added."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_incident_at", "incident_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("incidents.id"))
    at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]]


class IdempotencyRecord(Base):
    """The first answer to a request with an Idempotency-Key, replayed for repeats."""

    __tablename__ = "idempotency_records"
    __table_args__ = (UniqueConstraint("unit_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    key: Mapped[str] = mapped_column(String(200))
    body_sha256: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int]
    response: Mapped[dict[str, Any]]
    created_at: Mapped[datetime]


class Escalation(Base):
    """One ladder step that fired for one obligation; the unique key makes it fire once."""

    __tablename__ = "escalations"
    __table_args__ = (UniqueConstraint("obligation_id", "step_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    step_key: Mapped[str] = mapped_column(String(64))
    scheduled_at: Mapped[datetime]
    fired_at: Mapped[datetime]
    gaps: Mapped[list[Any]] = mapped_column(default=list)  # roles nobody held when it fired


class Notification(Base):
    """One message to one person (or webhook) on one channel: the outbox row. `dedupe_key`
    (obligation, step, person, channel) makes a double send impossible to store."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_due", "state", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    escalation_id: Mapped[int | None] = mapped_column(ForeignKey("escalations.id"))
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    obligation_id: Mapped[int | None] = mapped_column(ForeignKey("obligations.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    channel: Mapped[str] = mapped_column(String(64))  # sms … webhook:NAME, robot:NAME
    address: Mapped[str] = mapped_column(String(300), index=True)  # throttles look it up
    subject: Mapped[str] = mapped_column(String(300))
    summary: Mapped[str] = mapped_column(String(300))  # one line, for bundling a burst
    body: Mapped[str] = mapped_column(Text)
    html: Mapped[str | None] = mapped_column(Text)
    ack_code: Mapped[str | None] = mapped_column(String(8))
    state: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    claimed_until: Mapped[datetime | None]
    provider_id: Mapped[str | None] = mapped_column(String(100), index=True)
    bundled_into_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(index=True)  # robots' rates, stand-downs
    delivered_at: Mapped[datetime | None]
    # what a template provider fills in (Aliyun, Tencent): {"kind": ..., "params": {...}}
    template: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class NotificationEvent(Base):
    """A notification's delivery history; rows are only ever added."""

    __tablename__ = "notification_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")


class EarlyStatus(Base):
    """A status callback that came before its send's result was stored; applied when it lands."""

    __tablename__ = "early_statuses"
    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[str] = mapped_column(String(100), index=True)
    state: Mapped[str] = mapped_column(String(16))
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime]


class Acknowledgement(Base):
    """收到: someone told of an obligation says they have it; pauses its ladder."""

    __tablename__ = "acknowledgements"
    id: Mapped[int] = mapped_column(primary_key=True)
    obligation_id: Mapped[int] = mapped_column(ForeignKey("obligations.id"), index=True)
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id"))
    via: Mapped[str] = mapped_column(String(16))  # sms | voice | link | api | dashboard
    at: Mapped[datetime]


class User(Base):
    """Someone who signs in to the dashboard. `unit_officer`s see their own unit only."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    # admin | duty_room | section_head | leader | unit_officer
    role: Mapped[str] = mapped_column(String(16))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]


class WebSession(Base):
    """A signed-in browser: the cookie holds a random token, the row only its hash."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
