"""What the engine watches on the roster: handovers at shift ends (交接班) and whether they are
accepted in time, gaps ahead in the roster, and duty checks (查岗) left unanswered.

Each finding is a row with a unique key (a handover per unit, role and shift end; a gap alert per
unit, role and start; a duty check's escalation time): a tick that runs twice tells nobody twice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta
from itertools import pairwise
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from alerts.config import RosterSettings
from alerts.escalation.messages.render import Messages
from alerts.escalation.notices import enqueue_notice
from alerts.i18n import Translator
from alerts.roster.book import DUTY_ROLES, RosterBook
from alerts.storage import models as m
from alerts.storage.queries import reporting_office


@dataclass(frozen=True)
class RosterWatch:
    """Runs inside the engine's decide step, in its transaction."""

    settings: RosterSettings
    roster: RosterBook
    messages: Messages
    translate: Translator

    def run(self, session: Session, now: datetime) -> int:
        """Open handovers, alert on late ones, gaps and missed duty checks; notices queued."""
        queued = 0
        for unit in _units_with_roster(session):
            for role in self.settings.handover_roles:
                self.open_handovers(session, unit, role, now)
            for role in self.settings.gap_roles:
                queued += self._gap_alerts(session, unit, role, now)
        queued += self._late_handovers(session, now)
        queued += self._missed_checks(session, now)
        return queued

    def open_handovers(
        self, session: Session, unit: m.Unit, role: str, now: datetime
    ) -> list[m.Handover]:
        """A handover for each change of person in `role` during the last day, up to now."""
        found = self.roster.shifts(
            session,
            unit_id=unit.id,
            role=role,
            start=now - timedelta(days=1),
            end=now + timedelta(minutes=1),
        )
        made = []
        for before, after in pairwise(found):
            if (
                before.ends_at != after.starts_at
                or before.person == after.person
                or after.starts_at > now
            ):
                continue
            exists = session.scalar(
                select(m.Handover.id).where(
                    m.Handover.unit_id == unit.id,
                    m.Handover.role == role,
                    m.Handover.shift_end_at == before.ends_at,
                )
            )
            if exists is None:
                handover = m.Handover(
                    unit_id=unit.id,
                    role=role,
                    shift_end_at=before.ends_at,
                    outgoing_person_id=before.person,
                    incoming_person_id=after.person,
                    items=open_items(session, unit),
                    created_at=now,
                )
                session.add(handover)
                made.append(handover)
        session.flush()
        return made

    def _late_handovers(self, session: Session, now: datetime) -> int:
        late = session.scalars(
            select(m.Handover).where(
                m.Handover.accepted_at.is_(None),
                m.Handover.alerted_at.is_(None),
                m.Handover.shift_end_at <= now - self.settings.handover_accept_within,
            )
        ).all()
        queued = 0
        for handover in late:
            unit = session.get(m.Unit, handover.unit_id)
            assert unit is not None
            text = self.messages.notice(
                "handover_unaccepted",
                unit=unit.name,
                role=self.translate(f"role.{handover.role}"),
                shift_end=self.messages.local(handover.shift_end_at),
                items=len(handover.items),
                minutes=int(self.settings.handover_accept_within.total_seconds() // 60),
            )
            for person in self._leaders_on_duty(session, unit, now):
                queued += enqueue_notice(
                    session,
                    key=f"handover:{handover.id}",
                    person=person,
                    channels=("sms",),
                    subject=text,
                    text=text,
                    now=now,
                )
            handover.alerted_at = now
        return queued

    def _gap_alerts(self, session: Session, unit: m.Unit, role: str, now: datetime) -> int:
        # from the start of yesterday: a gap under way keeps its start, so it is told once a day
        local_day = now.astimezone(self.roster.zone).date() - timedelta(days=1)
        window = self.roster.day_start(local_day, time(0))
        queued = 0
        for start, end in self.roster.gaps(
            session, unit_id=unit.id, role=role, start=window, end=now + self.settings.gap_horizon
        ):
            if end <= now or start > now + self.settings.gap_alert_ahead:
                continue
            told = session.scalar(
                select(m.GapAlert.id).where(
                    m.GapAlert.unit_id == unit.id,
                    m.GapAlert.role == role,
                    m.GapAlert.starts_at == start,
                )
            )
            if told is not None:
                continue
            session.add(
                m.GapAlert(unit_id=unit.id, role=role, starts_at=start, ends_at=end, alerted_at=now)
            )
            session.flush()
            queued += self._tell_directors(session, unit, role, start, end, now)
        return queued

    def _tell_directors(
        self,
        session: Session,
        unit: m.Unit,
        role: str,
        start: datetime,
        end: datetime,
        now: datetime,
    ) -> int:
        office = _office_of(session, unit)
        text = self.messages.notice(
            "gap",
            unit=unit.name,
            role=self.translate(f"role.{role}"),
            starts=self.messages.local(start),
            ends=self.messages.local(end),
        )
        queued = 0
        for person in self.roster.holders(session, unit_id=office.id, role="director", at=now):
            queued += enqueue_notice(
                session,
                key=f"gap:{unit.id}:{role}:{start.isoformat()}",
                person=person,
                channels=("sms", "email"),
                subject=text,
                text=text,
                now=now,
            )
        return queued

    def _missed_checks(self, session: Session, now: datetime) -> int:
        missed = session.scalars(
            select(m.DutyCheck).where(
                m.DutyCheck.answered_at.is_(None),
                m.DutyCheck.escalated_at.is_(None),
                m.DutyCheck.due_at <= now,
            )
        ).all()
        queued = 0
        for check in missed:
            unit = session.get(m.Unit, check.unit_id)
            person = session.get(m.Person, check.person_id) if check.person_id else None
            assert unit is not None
            text = self.messages.notice(
                "duty_check_missed",
                unit=unit.name,
                person=person.name if person else "-",
                asked=self.messages.local(check.asked_at),
                minutes=int((check.due_at - check.asked_at).total_seconds() // 60),
            )
            for leader in self.roster.holders(session, unit_id=unit.id, role="leader", at=now):
                queued += enqueue_notice(
                    session,
                    key=f"check:{check.id}:missed",
                    person=leader,
                    channels=("sms",),
                    subject=text,
                    text=text,
                    now=now,
                )
            check.escalated_at = now
        return queued

    def _leaders_on_duty(self, session: Session, unit: m.Unit, now: datetime) -> list[m.Person]:
        found = self.roster.holders(session, unit_id=unit.id, role="leader_on_duty", at=now)
        if not found and not unit.is_office:
            office = _office_of(session, unit)
            found = self.roster.holders(session, unit_id=office.id, role="leader_on_duty", at=now)
        return list(found)


def open_items(session: Session, unit: m.Unit) -> list[dict[str, Any]]:
    """The unit's open clocks, as handed over: the office sees every incident it handles and
    every instruction it relays; a leader's instruction on no incident is named by its text."""
    query = (
        select(m.Obligation, m.Incident, m.Instruction)
        .outerjoin(m.Incident, m.Incident.id == m.Obligation.incident_id)
        .outerjoin(m.Instruction, m.Instruction.id == m.Obligation.instruction_id)
        .where(m.Obligation.still_owed)
    )
    if unit.is_office:
        query = query.where(
            or_(m.Incident.office_id == unit.id, m.Instruction.office_id == unit.id)
        )
    else:
        query = query.where(m.Obligation.owed_by_unit_id == unit.id)
    return [
        {
            "obligation_id": o.id,
            "incident_id": i.id if i else None,
            "instruction_id": o.instruction_id,
            "title": i.title if i else (s.text[:_TITLE] if s else ""),
            "kind": o.kind,
            "key": o.key,
            "due_at": o.due_at.isoformat(),
        }
        for o, i, s in session.execute(query.order_by(m.Obligation.due_at, m.Obligation.id))
    ]


_TITLE = 40  # characters of an instruction's text that name it in a handover


def _units_with_roster(session: Session) -> list[m.Unit]:
    with_rotation = select(m.Rotation.unit_id).where(m.Rotation.role.in_(DUTY_ROLES))
    with_shift = select(m.RosterShift.unit_id).where(m.RosterShift.role.in_(DUTY_ROLES))
    return list(
        session.scalars(
            select(m.Unit)
            .where(or_(m.Unit.id.in_(with_rotation), m.Unit.id.in_(with_shift)))
            .order_by(m.Unit.id)
        )
    )


def _office_of(session: Session, unit: m.Unit) -> m.Unit:
    return reporting_office(session, unit=unit) or unit
