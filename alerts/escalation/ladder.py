"""Deciding escalations: which ladder steps fire now, for whom, on which channels.

The decision is rows: an Escalation per step (unique per obligation and step) and a queued
Notification per person and channel (unique per obligation, step, person and channel), written
in the caller's transaction. Sending is the outbox's job, after the commit. A batch of
obligations is decided together: each kind of fact read once, each unit's roster resolved once
at the batch's moment, each kind of row inserted in one statement (docs/decisions/0025)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from sqlalchemy import Insert, insert, select
from sqlalchemy.orm import Session

from alerts.escalation.instruction_notices import notes_for, notice_firings
from alerts.escalation.links import AckLinks
from alerts.escalation.messages.params import template_of
from alerts.escalation.messages.render import About, InstructionNote, Messages
from alerts.escalation.subjects import Subject, subjects_of
from alerts.phones import to_e164
from alerts.roster.book import OnDuty, Resolved, RosterBook, role_of
from alerts.storage import models as m
from alerts.timeline import Timeline
from rules.escalation import ROLE_SCOPES, Firing, Policy, Recipient, due_firings

_PHONE_CHANNELS = ("sms", "voice")
_dialled = lru_cache(maxsize=4096)(to_e164)  # parsing a number costs more than rendering it


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


def escalate_all(
    session: Session, escalator: Escalator, obligations: Sequence[m.Obligation], now: datetime
) -> int:
    """Fire every step of each obligation's ladder that is due and has not fired, and the
    instruction notices (relay, 督办) they may carry; the count. A batch is decided with one read
    per kind of fact and one insert per kind of row, however many obligations it holds."""
    owed = []
    for obligation in obligations:
        if obligation.still_owed:
            owed.append(obligation)
        else:
            obligation.next_escalation_at = None
    ids = [o.id for o in owed]
    fired = _grouped(session, m.Escalation.step_key, m.Escalation.obligation_id, ids)
    acks = _grouped(session, m.Acknowledgement.at, m.Acknowledgement.obligation_id, ids)
    plans = []
    for obligation in owed:
        due = _plan(escalator, obligation, fired.get(obligation.id, []), acks, now)
        if due:
            plans.append((obligation, due))
    if plans:
        _decide(session, escalator, plans, now)
    return sum(len(due) for _, due in plans)


def _plan(
    escalator: Escalator,
    obligation: m.Obligation,
    fired: list[str],
    acks: dict[int, list[Any]],
    now: datetime,
) -> list[Firing]:
    """The obligation's due firings, oldest first; sets when to look at it again."""
    ladder = escalator.policy.ladder(
        party=obligation.party, instruction=obligation.instruction_id is not None
    )
    plan = due_firings(
        ladder,
        due_at=obligation.due_at,
        opened_at=obligation.opened_at,
        fired=fired,
        acks=acks.get(obligation.id, []),
        ack_pause=escalator.policy.ack_pause,
        now=now,
    )
    notices, notice_at = notice_firings(obligation, fired, now)
    obligation.next_escalation_at = min(
        (t for t in (plan.next_at, notice_at) if t is not None), default=None
    )
    return sorted([*notices, *plan.due], key=lambda f: f.scheduled_at)


def _grouped(
    session: Session, value: Any, obligation_id: Any, ids: list[int]
) -> dict[int, list[Any]]:
    """`value` of the rows of these obligations, by obligation, in one statement."""
    found: dict[int, list[Any]] = {}
    if ids:
        for owner, item in session.execute(
            select(obligation_id, value).where(obligation_id.in_(ids))
        ):
            found.setdefault(owner, []).append(item)
    return found


@dataclass
class _Batch:
    """What a batch reads once and the rows it writes at the end."""

    at: datetime
    duty: OnDuty
    owners: dict[int, m.Unit]
    notes: dict[tuple[int, str], InstructionNote]
    escalations: list[dict[str, Any]] = field(default_factory=list)
    # each under its escalation's (obligation, step)
    notifications: list[tuple[tuple[int, str], dict[str, Any]]] = field(default_factory=list)
    vacancies: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)


def _decide(
    session: Session,
    escalator: Escalator,
    plans: list[tuple[m.Obligation, list[Firing]]],
    now: datetime,
) -> None:
    """Fire the planned steps: the batch's subjects, owners, notes and rosters read once, the
    recipients' people in one read (the fallbacks' in one more, if a role is vacant)."""
    subjects = subjects_of(session, [o for o, _ in plans])
    units = {u for s in subjects.values() for u in (s.unit_id, s.office_id)}
    duty = escalator.roster.on_duty(session, unit_ids=sorted(units), at=now)
    owner_ids = {o.owed_by_unit_id for o, _ in plans}
    batch = _Batch(
        at=now,
        duty=duty,
        owners={u.id: u for u in session.scalars(select(m.Unit).where(m.Unit.id.in_(owner_ids)))},
        notes=notes_for(session, [(o, f.key) for o, due in plans for f in due]),
    )
    _read_people(
        duty, [(subjects[o.id], r) for o, due in plans for f in due for r in f.step.recipients]
    )
    resolved = {
        (o.id, f.key): [(r, duty.resolve(r.target, subjects[o.id])) for r in f.step.recipients]
        for o, due in plans
        for f in due
    }
    vacant = {
        o.id for o, due in plans for f in due if any(w.is_gap for _, w in resolved[(o.id, f.key)])
    }
    _read_people(duty, [(subjects[i], r) for i in vacant for r in escalator.policy.fallback])
    for obligation, due in plans:
        subject = subjects[obligation.id]
        timeline = Timeline(subject.incident_id, now)
        for firing in due:  # each at its own moment: a vacant rung never pulls the next one in
            _fire(
                escalator,
                batch,
                subject,
                obligation,
                firing,
                resolved[(obligation.id, firing.key)],
                timeline,
            )
        if subject.incident_id is not None:  # an instruction on no incident has no timeline
            batch.events += timeline.rows
    _write(session, batch)


def _read_people(duty: OnDuty, wanted: Iterable[tuple[Subject, Recipient]]) -> None:
    """Read at once the people these recipients resolve to."""
    roles, names = [], []
    for subject, recipient in wanted:
        kind, _, name = recipient.target.partition(":")
        if kind == "person":
            names.append(name)
        elif kind != "webhook":
            roles.append(role_of(recipient.target, subject))
    duty.read_people(roles, names)


def _write(session: Session, batch: _Batch) -> None:
    """The batch's rows, one insert per table; notifications name their escalation's new id,
    found by its unique (obligation, step). Every row lists every column (render_nulls), so each
    table's rows go in one statement, and a None is stored as the ORM's unit of work stores it."""
    inserted = insert(m.Escalation).returning(
        m.Escalation.id, m.Escalation.obligation_id, m.Escalation.step_key
    )
    ids = {
        (obligation_id, step): id_
        for id_, obligation_id, step in session.execute(_all_columns(inserted), batch.escalations)
    }
    notifications = [row | {"escalation_id": ids[step]} for step, row in batch.notifications]
    for table, rows in (
        (m.Notification, notifications),
        (m.RoleVacancy, batch.vacancies),
        (m.Event, batch.events),
    ):
        if rows:
            session.execute(_all_columns(insert(table)), rows)


def _all_columns(statement: Insert) -> Insert:
    return statement.execution_options(render_nulls=True)


def _fire(
    escalator: Escalator,
    batch: _Batch,
    incident: Subject,
    obligation: m.Obligation,
    firing: Firing,
    resolved: list[tuple[Recipient, Resolved]],
    timeline: Timeline,
) -> None:
    """One fired step and its notifications, as rows for the batch; a vacant role's share goes
    to the fallback."""
    gaps = [r.target for _, r in resolved if r.is_gap]
    stand_ins = _stand_ins(escalator, batch.duty, resolved, incident)
    batch.escalations.append(
        {
            "obligation_id": obligation.id,
            "incident_id": incident.incident_id,
            "step_key": firing.key,
            "scheduled_at": firing.scheduled_at,
            "fired_at": timeline.at,
            "gaps": gaps,
        }
    )
    _record_vacancies(batch, incident, obligation, firing, gaps, timeline)
    note = batch.notes.get((obligation.id, firing.key))
    owner = batch.owners.get(obligation.owed_by_unit_id)
    told = _queue(escalator, batch, incident, obligation, owner, firing, resolved + stand_ins, note)
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


def _stand_ins(
    escalator: Escalator,
    duty: OnDuty,
    resolved: list[tuple[Recipient, Resolved]],
    incident: Subject,
) -> list[tuple[Recipient, Resolved]]:
    """For each vacant recipient, the first fallback who is on duty, on the vacant one's
    channels: the message still reaches someone, at the rung's own time."""
    found = []
    for recipient, who in resolved:
        if not who.is_gap:
            continue
        for fallback in escalator.policy.fallback:
            stand_in = duty.resolve(fallback.target, incident)
            if not stand_in.is_gap:
                found.append((Recipient(fallback.target, recipient.channels), stand_in))
                break
    return found


def _record_vacancies(
    batch: _Batch,
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
        batch.vacancies.append(
            {
                "unit_id": incident.unit_id if scope == "unit" else incident.office_id,
                "role": role,
                "at": timeline.at,
                "obligation_id": obligation.id,
                "step_key": firing.key,
            }
        )
        timeline.add("role_vacant", {"role": target, "step": firing.key})


def _queue(
    escalator: Escalator,
    batch: _Batch,
    incident: Subject,
    obligation: m.Obligation,
    owner: m.Unit | None,
    firing: Firing,
    resolved: list[tuple[Recipient, Resolved]],
    note: InstructionNote | None,
) -> list[dict[str, Any]]:
    """Queue the step's notifications; who was told."""
    told: list[dict[str, Any]] = []
    seen: set[str] = set()
    fired_at = batch.at

    def add(
        person_id: int | None, channel: str, address: str, dedupe: str, target: str | None
    ) -> None:
        about = about_obligation(escalator, incident, obligation, owner, person_id, fired_at, note)
        row = _notification(
            escalator,
            about,
            firing.key,
            fired_at,
            obligation,
            person_id,
            channel,
            address,
            dedupe,
            target=target,
        )
        batch.notifications.append(((obligation.id, firing.key), row))

    for recipient, who in resolved:
        channels = recipient.channels or firing.step.channels
        for person in who.people:
            for channel in channels:
                address = _address(person, channel)
                dedupe = f"{obligation.id}:{firing.key}:{person.id}:{channel}"
                if not address or dedupe in seen:
                    continue
                seen.add(dedupe)
                add(person.id, channel, address, dedupe, recipient.target)
                told.append({"person": person.name, "channel": channel, "role": recipient.target})
        if who.webhook:
            dedupe = f"{obligation.id}:{firing.key}:webhook:{who.webhook}"
            add(None, f"webhook:{who.webhook}", who.webhook, dedupe, None)
            told.append({"webhook": who.webhook, "channel": "webhook"})
    return told


def _address(person: m.Person, channel: str) -> str | None:
    if channel in _PHONE_CHANNELS or channel.startswith("robot:"):  # a robot @-mentions the mobile
        return _dialled(person.phone) if person.phone else None
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
    step_key: str,
    fired_at: datetime,
    obligation: m.Obligation,
    person_id: int | None,
    channel: str,
    address: str,
    dedupe: str,
    *,
    target: str | None = None,
) -> dict[str, Any]:
    """A queued notification's row (without its escalation's id)."""
    rendered, summary = escalator.messages.render_with_summary(channel.partition(":")[0], about)
    template = (
        template_of(escalator.messages, about, step_key) if channel in _PHONE_CHANNELS else None
    )
    if template is not None and target:
        template["target"] = target  # whom it is for: a role may have its own provider order
    return {
        "dedupe_key": dedupe,
        "incident_id": obligation.incident_id,
        "obligation_id": obligation.id,
        "person_id": person_id,
        "channel": channel,
        "address": address,
        "subject": rendered.subject[:300],
        "summary": summary[:300],
        "body": rendered.text,
        "html": rendered.html,
        "ack_code": about.ack_code,
        "state": "queued",
        "attempts": 0,
        "next_attempt_at": fired_at,
        "created_at": fired_at,
        "template": template,
    }


def ack_code(obligation_id: int) -> str:
    """The short code a reply names an obligation by (base 36 of its id, upper case)."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    number, code = obligation_id, ""
    while True:
        number, rest = divmod(number, 36)
        code = digits[rest] + code
        if number == 0:
            return code
