"""Instructions (批示) both ways between two Jibao instances (docs/decisions/0022).

In the parent (the city): an instruction recorded on an incident that a child Jibao reported
(its unit is in `[[upward.children]]`) is sent down to it: one outbox row on channel `jibao`,
address `child:<unit>`, whose body is the JSON document below, posted by
notifiers/upward_webhook.py to the child's `/api/v1/upward/instructions`, signed with
JIBAO_CHILD_SECRET_<UNIT>, retried with back-off until the child's 2xx, under a key the child
drops repeats by.

In the child (the county): `accept` checks the signature against each parent's
JIBAO_UPWARD_SECRET_<NAME>, finds the office's own incident by the parent's incident id its
首报's receipt gave, and records the instruction there through alerts/instructions/ as the duty
room would, received now, recorded by the parent's title (市政府总值班室), with the units that
reported the incident responsible, so the office's relay clock (K9) starts at once. A repeat of
the key answers as the first time. Never commits."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pydantic import SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.config import ParentConfig, Settings
from alerts.errors import Conflict, FieldProblem, Invalid, NotFound
from alerts.instructions.recording import NewInstruction, record_instruction
from alerts.storage import models as m
from alerts.timeline import Timeline
from alerts.upward.delivery import CHANNEL

EVENT = "jibao.instruction"
PATH = "/api/v1/upward/instructions"
CHILD_PREFIX = "child:"
KEY_PREFIX = "downward:"  # the child's idempotency records of instructions from its parent
LEVELS = ("county", "city", "province")
KINDS = ("act", "guidance", "reference")


class BadSignature(Exception):
    """No parent's secret signs this body."""


def send_down(
    session: Session, *, settings: Settings, instruction: m.Instruction, now: datetime
) -> m.Notification | None:
    """Queue `instruction` for the child Jibao that reported its incident, if it is one."""
    incident = session.get(m.Incident, instruction.incident_id) if instruction.incident_id else None
    unit = session.get(m.Unit, incident.unit_id) if incident is not None else None
    if incident is None or unit is None or settings.upward.child(unit.code) is None:
        return None
    key = f"jibao-instruction-{instruction.id}-{secrets.token_hex(8)}"
    document = {
        "event": EVENT,
        "version": 1,
        "key": key,
        "parent_incident_id": incident.id,
        "instruction_id": instruction.id,
        "issuer": {
            "name": instruction.issuer_name,
            "post": instruction.issuer_post,
            "level": instruction.issuer_level,
        },
        "type": instruction.kind,
        "text": instruction.text,
        "received_at": instruction.received_at.isoformat(),
        "deadline_at": instruction.deadline_at.isoformat() if instruction.deadline_at else None,
        "sent_at": now.isoformat(),
    }
    subject = f"批示 {instruction.issuer_post} {instruction.issuer_name}".strip()[:300]
    row = m.Notification(
        dedupe_key=key,
        incident_id=incident.id,
        channel=CHANNEL,
        address=f"{CHILD_PREFIX}{unit.code}",
        subject=subject,
        summary=subject,
        body=json.dumps(document, ensure_ascii=False),
        state="queued",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    timeline = Timeline(incident.id, now)
    timeline.add(
        "upward_down_queued",
        {"instruction_id": instruction.id, "unit": unit.code, "notification_id": row.id},
    )
    timeline.write(session)
    return row


def note_result(
    session: Session, *, row: m.Notification, state: str, error: str | None, now: datetime
) -> None:
    """Put a sent-down instruction's outcome on the incident's timeline: the child has it, or
    it failed for good (resend it from the outbox once the child is fixed)."""
    if row.incident_id is None or state not in ("sent", "failed_perm"):
        return
    document = _loads(row.body)
    timeline = Timeline(row.incident_id, now)
    data = {
        "instruction_id": document.get("instruction_id"),
        "unit": row.address.removeprefix(CHILD_PREFIX),
    }
    if state == "sent":
        timeline.add("upward_down_received", data)
    else:
        timeline.add("upward_down_failed", {**data, "error": (error or "")[:500]})
    timeline.write(session)


@dataclass(frozen=True)
class Accepted:
    """The child's answer: the instruction it recorded, on which incident, when."""

    status: int
    answer: dict[str, Any]


def accept(
    session: Session, *, settings: Settings, raw: bytes, signature: str, now: datetime
) -> Accepted:
    """Record an instruction sent down by a parent; BadSignature unless a parent's secret signs
    `raw`, Invalid for a document that is not one, NotFound for an incident we never reported
    to that parent, Conflict when nobody here could relay it."""
    parent = _signer(settings, raw, signature)
    document = _document(raw)
    office_ids = {
        report.office_id
        for report in session.scalars(
            select(m.UpwardReport).where(
                m.UpwardReport.parent == parent.name,
                m.UpwardReport.parent_incident_id == document["parent_incident_id"],
            )
        )
    }
    report = session.scalar(
        select(m.UpwardReport)
        .where(
            m.UpwardReport.parent == parent.name,
            m.UpwardReport.parent_incident_id == document["parent_incident_id"],
        )
        .order_by(m.UpwardReport.id)
    )
    if report is None or len(office_ids) != 1:
        raise NotFound("upward_incident_unknown")
    office = session.get(m.Unit, report.office_id)
    assert office is not None
    key = f"{KEY_PREFIX}{parent.name}:{document['key']}"[:200]
    digest = hashlib.sha256(raw).hexdigest()
    earlier = session.scalar(
        select(m.IdempotencyRecord).where(
            m.IdempotencyRecord.unit_id == office.id, m.IdempotencyRecord.key == key
        )
    )
    if earlier is not None:
        return Accepted(200, dict(earlier.response))
    incident = session.get(m.Incident, report.incident_id)
    assert incident is not None
    units = _reporting_units(session, incident, office)
    if not units:
        raise Conflict("upward_nobody_to_relay")
    issuer = document["issuer"]
    instruction, _ = record_instruction(
        session,
        settings=settings,
        office=office,
        new=NewInstruction(
            issuer_name=issuer["name"],
            issuer_post=issuer["post"],
            issuer_level=issuer["level"],
            kind=document["type"],
            text=document["text"],
            received_at=now,
            units=tuple(units),
            deadline_at=document["deadline_at"],
            incident_id=incident.id,
        ),
        by=parent.title,
        now=now,
    )
    answer = {
        "instruction_id": instruction.id,
        "incident_id": incident.id,
        "received_at": now.isoformat(),
        "units": units,
    }
    session.add(
        m.IdempotencyRecord(
            unit_id=office.id,
            key=key,
            body_sha256=digest,
            status_code=201,
            response=answer,
            created_at=now,
        )
    )
    timeline = Timeline(incident.id, now)
    timeline.add(
        "upward_instruction_in",
        {
            "instruction_id": instruction.id,
            "parent": parent.name,
            "by": parent.title,
            "parent_instruction_id": document.get("instruction_id"),
        },
    )
    timeline.write(session)
    return Accepted(201, answer)


def _signer(settings: Settings, raw: bytes, signature: str) -> ParentConfig:
    given = signature.removeprefix("sha256=").lower()
    for parent in settings.upward.parents:
        secret = settings.upward.secrets.get(parent.name, SecretStr("")).get_secret_value()
        if not secret:
            continue
        expected = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
        if signature.startswith("sha256=") and hmac.compare_digest(given, expected):
            return parent
    raise BadSignature()


def _document(raw: bytes) -> dict[str, Any]:
    """The parent's document, checked; Invalid naming each part that is wrong."""
    try:
        document = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as bad:
        raise Invalid(FieldProblem("body", "object"), code="bad_json") from bad
    if not isinstance(document, dict):
        raise Invalid(FieldProblem("body", "object"), code="bad_json")
    problems = []
    if document.get("event") != EVENT:
        problems.append(FieldProblem("event", "choice", {"choices": EVENT}))
    key = document.get("key")
    if not isinstance(key, str) or not 1 <= len(key) <= 150:
        problems.append(FieldProblem("key", "required"))
    incident = document.get("parent_incident_id")
    if not isinstance(incident, int) or isinstance(incident, bool) or not 0 < incident < 2**63:
        problems.append(FieldProblem("parent_incident_id", "integer"))
    issuer = document.get("issuer")
    if not isinstance(issuer, Mapping):
        problems.append(FieldProblem("issuer", "object"))
    else:
        for name, limit in (("name", 100), ("post", 100)):
            value = issuer.get(name)
            if not isinstance(value, str) or not value.strip() or len(value) > limit:
                problems.append(FieldProblem(f"issuer.{name}", "required"))
        if issuer.get("level") not in LEVELS:
            problems.append(FieldProblem("issuer.level", "choice", {"choices": ", ".join(LEVELS)}))
    if document.get("type") not in KINDS:
        problems.append(FieldProblem("type", "choice", {"choices": ", ".join(KINDS)}))
    text = document.get("text")
    if not isinstance(text, str) or not text.strip() or len(text) > 4000:
        problems.append(FieldProblem("text", "required"))
    deadline = document.get("deadline_at")
    if deadline is not None:
        try:
            moment = datetime.fromisoformat(str(deadline))
        except ValueError:
            moment = None
        if moment is None or moment.tzinfo is None:
            problems.append(FieldProblem("deadline_at", "time"))
        else:
            document["deadline_at"] = moment
    if problems:
        raise Invalid(*problems)
    return document


def _reporting_units(session: Session, incident: m.Incident, office: m.Unit) -> list[str]:
    """The codes of the units below the office that reported the incident, first filer first."""
    codes: list[str] = []
    filers = session.scalars(
        select(m.Filing.unit_id).where(m.Filing.incident_id == incident.id).order_by(m.Filing.id)
    )
    unit_ids = [incident.unit_id, *filers]
    for unit_id in unit_ids:
        unit = session.get(m.Unit, unit_id)
        if unit is not None and not unit.is_office and unit.code not in codes:
            codes.append(unit.code)
    return codes


def _loads(text: str) -> dict[str, Any]:
    try:
        loaded = json.loads(text)
    except ValueError:
        return {}
    return loaded if isinstance(loaded, dict) else {}
