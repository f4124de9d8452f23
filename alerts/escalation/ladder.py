"""Deciding escalations: which ladder steps fire now, for whom, on which channels.

The decision is rows: an Escalation per step (unique per obligation and step) and a queued
Notification per person and channel (unique per obligation, step, person and channel), written
in the caller's transaction. Sending is the outbox's job, after the commit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.escalation.instruction_notices import note_for, notice_firings
from alerts.escalation.links import AckLinks
from alerts.escalation.messages.params import template_of
from alerts.escalation.messages.render import About, InstructionNote, Messages
from alerts.escalation.subjects import Subject, subject_of
from alerts.phones import to_e164
from alerts.roster.book import Resolved, RosterBook
from alerts.storage import models as m
from alerts.timeline import Timeline
from rules.escalation import ROLE_SCOPES, Firing, Policy, Recipient, due_firings

_PHONE_CHANNELS = ("sms", "voice")


@dataclass(frozen=True)
class Escalator:
    """What deciding needs: the ladders, the message templates and the link signer."""

    policy: Policy
    messages: Messages
    links: AckLinks
    roster: RosterBook


def claim_due_obligations(session: Session, *, now: datetime, limit: int) -> list[m.Obligation]:
    """Obligations whose ladder needs a look; locked against other instances on PostgreSQL."""
    query = (
        select(m.Obligation)
        .where(m.Obligation.next_escalation_at.is_not(None), m.Obligation.next_escalation_at <= now)
        .order_by(m.Obligation.next_escalation_at)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    return list(session.scalars(query))


def escalate(
    session: Session, escalator: Escalator, obligation: m.Obligation, now: datetime
) -> int:
    """Fire every step of the obligation's ladder that is due and has not fired, and the
    instruction notice (relay, 督办) it may carry; the count."""
    if not obligation.still_owed:
        obligation.next_escalation_at = None
        return 0
    ladder = escalator.policy.ladder(
        party=obligation.party, instruction=obligation.instruction_id is not None
    )
    fired = set(
        session.scalars(
            select(m.Escalation.step_key).where(m.Escalation.obligation_id == obligation.id)
        )
    )
    acks = session.scalars(
        select(m.Acknowledgement.at).where(m.Acknowledgement.obligation_id == obligation.id)
    ).all()
    plan = due_firings(
        ladder,
        due_at=obligation.due_at,
        opened_at=obligation.opened_at,
        fired=fired,
        acks=acks,
        ack_pause=escalator.policy.ack_pause,
        now=now,
    )
    notices, notice_at = notice_firings(obligation, fired, now)
    due = sorted([*notices, *plan.due], key=lambda f: f.scheduled_at)
    incident = subject_of(session, obligation)
    timeline = Timeline(incident.incident_id, now)
    for firing in due:  # each at its own moment: a vacant rung never pulls the next one in
        _fire(session, escalator, incident, obligation, firing, timeline)
    timeline.write(session)
    obligation.next_escalation_at = min(
        (t for t in (plan.next_at, notice_at) if t is not None), default=None
    )
    return len(due)


def _fire(
    session: Session,
    escalator: Escalator,
    incident: Subject,
    obligation: m.Obligation,
    firing: Firing,
    timeline: Timeline,
) -> None:
    """Store one fired step and its notifications; a vacant role's share goes to the fallback."""
    resolved = [
        (recipient, _resolve(session, escalator, recipient, incident, timeline.at))
        for recipient in firing.step.recipients
    ]
    gaps = [r.target for _, r in resolved if r.is_gap]
    stand_ins = _stand_ins(session, escalator, resolved, incident, timeline.at)
    escalation = m.Escalation(
        obligation_id=obligation.id,
        incident_id=incident.incident_id,
        step_key=firing.key,
        scheduled_at=firing.scheduled_at,
        fired_at=timeline.at,
        gaps=gaps,
    )
    session.add(escalation)
    session.flush()
    _record_vacancies(session, incident, obligation, firing, gaps, timeline)
    note = note_for(session, obligation, firing.key)
    told = _queue(
        session, escalator, incident, obligation, escalation, firing, resolved + stand_ins, note
    )
    timeline.add(
        "escalation_fired",
        {
            "obligation": obligation.key,
            "step": firing.key,
            "scheduled_at": firing.scheduled_at.isoformat(),
            "late_seconds": int((timeline.at - firing.scheduled_at).total_seconds()),
            "told": told,
            "gaps": gaps,
        },
    )


def _resolve(
    session: Session,
    escalator: Escalator,
    recipient: Recipient,
    incident: Subject,
    at: datetime,
) -> Resolved:
    return escalator.roster.resolve(session, target=recipient.target, incident=incident, at=at)


def _stand_ins(
    session: Session,
    escalator: Escalator,
    resolved: list[tuple[Recipient, Resolved]],
    incident: Subject,
    at: datetime,
) -> list[tuple[Recipient, Resolved]]:
    """For each vacant recipient, the first fallback who is on duty, on the vacant one's
    channels: the message still reaches someone, at the rung's own time."""
    found = []
    for recipient, who in resolved:
        if not who.is_gap:
            continue
        for fallback in escalator.policy.fallback:
            stand_in = _resolve(session, escalator, fallback, incident, at)
            if not stand_in.is_gap:
                found.append((Recipient(fallback.target, recipient.channels), stand_in))
                break
    return found


def _record_vacancies(
    session: Session,
    incident: Subject,
    obligation: m.Obligation,
    firing: Firing,
    gaps: list[str],
    timeline: Timeline,
) -> None:
    """A role the ladder needed and nobody held is a roster gap the office must see."""
    for target in gaps:
        scope, _, role = target.partition(".")
        if scope not in ROLE_SCOPES:
            continue  # a named person or address nobody matches: not a roster role
        session.add(
            m.RoleVacancy(
                unit_id=incident.unit_id if scope == "unit" else incident.office_id,
                role=role,
                at=timeline.at,
                obligation_id=obligation.id,
                step_key=firing.key,
            )
        )
        timeline.add("role_vacant", {"role": target, "step": firing.key})


def _queue(
    session: Session,
    escalator: Escalator,
    incident: Subject,
    obligation: m.Obligation,
    escalation: m.Escalation,
    firing: Firing,
    resolved: list[tuple[Recipient, Resolved]],
    note: InstructionNote | None,
) -> list[dict[str, Any]]:
    owner = session.get(m.Unit, obligation.owed_by_unit_id)
    told: list[dict[str, Any]] = []
    seen: set[str] = set()
    for recipient, who in resolved:
        channels = recipient.channels or firing.step.channels
        for person in who.people:
            for channel in channels:
                address = _address(person, channel)
                dedupe = f"{obligation.id}:{firing.key}:{person.id}:{channel}"
                if not address or dedupe in seen:
                    continue
                seen.add(dedupe)
                about = about_obligation(
                    escalator, incident, obligation, owner, person.id, escalation.fired_at, note
                )
                session.add(
                    _notification(
                        escalator,
                        about,
                        escalation,
                        obligation,
                        person.id,
                        channel,
                        address,
                        dedupe,
                        target=recipient.target,
                    )
                )
                told.append({"person": person.name, "channel": channel, "role": recipient.target})
        if who.webhook:
            dedupe = f"{obligation.id}:{firing.key}:webhook:{who.webhook}"
            about = about_obligation(
                escalator, incident, obligation, owner, None, escalation.fired_at, note
            )
            session.add(
                _notification(
                    escalator,
                    about,
                    escalation,
                    obligation,
                    None,
                    f"webhook:{who.webhook}",
                    who.webhook,
                    dedupe,
                )
            )
            told.append({"webhook": who.webhook, "channel": "webhook"})
    return told


def _address(person: m.Person, channel: str) -> str | None:
    if channel in _PHONE_CHANNELS or channel.startswith("robot:"):  # a robot @-mentions the mobile
        return to_e164(person.phone) if person.phone else None
    return person.email


def about_obligation(
    escalator: Escalator,
    incident: Subject,
    obligation: m.Obligation,
    owner: m.Unit | None,
    person_id: int | None,
    now: datetime,
    instruction: InstructionNote | None = None,
) -> About:
    """What a message about `obligation` says, for `person_id` (whose link it carries); with
    `instruction`, a message about the instruction itself (its relay, a 督办)."""
    return About(
        unit_name=owner.name if owner else "",
        incident_title=incident.title,
        obligation_kind=obligation.kind,
        number=obligation.number,
        due_at=obligation.due_at,
        now=now,
        classified=incident.classified,
        ack_code=ack_code(obligation.id),
        ack_url=escalator.links.url(obligation.id, person_id),
        instruction=instruction,
    )


def _notification(
    escalator: Escalator,
    about: About,
    escalation: m.Escalation,
    obligation: m.Obligation,
    person_id: int | None,
    channel: str,
    address: str,
    dedupe: str,
    *,
    target: str | None = None,
) -> m.Notification:
    rendered = escalator.messages.render(channel.partition(":")[0], about)
    summary = escalator.messages.render("summary", about).text
    template = (
        template_of(escalator.messages, about, escalation.step_key)
        if channel in _PHONE_CHANNELS
        else None
    )
    if template is not None and target:
        template["target"] = target  # whom it is for: a role may have its own provider order
    return m.Notification(
        dedupe_key=dedupe,
        escalation_id=escalation.id,
        incident_id=obligation.incident_id,
        obligation_id=obligation.id,
        person_id=person_id,
        channel=channel,
        address=address,
        subject=rendered.subject[:300],
        summary=summary[:300],
        body=rendered.text,
        html=rendered.html,
        ack_code=about.ack_code,
        state="queued",
        attempts=0,
        next_attempt_at=escalation.fired_at,
        created_at=escalation.fired_at,
        template=template,
    )


def ack_code(obligation_id: int) -> str:
    """The short code a reply names an obligation by (base 36 of its id, upper case)."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    number, code = obligation_id, ""
    while True:
        number, rest = divmod(number, 36)
        code = digits[rest] + code
        if number == 0:
            return code
