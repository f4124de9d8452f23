"""The messages about a leader's instruction itself, fired by the engine beside the ladders.

Relaying an instruction to a unit is a message: when the unit's acknowledgement clock opens (the
relay), its people get the instruction's issuer, exact text and deadlines by SMS and email, with
the acknowledgement code and link of that clock, so replying 收到 or opening the link is the unit's
acknowledgement (alerts/instructions/receipts.py). When a unit's feedback clock falls due
unreported, the unit gets one 督办 (supervision) notice, besides its ladder climbing to the
principal. Each is a rung of its own (an Escalation row under the key below), so it fires once
per clock, also when the engine runs again or on several instances; acknowledgements do not
delay it. A classified incident's instruction sends no content (the templates say so)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.escalation.messages.render import InstructionNote
from alerts.storage import models as m
from rules.escalation import (
    RELAY_KEY,
    RESERVED_STEP_KEYS,
    SUPERVISE_KEY,
    Firing,
    Recipient,
    Step,
)

# the unit's people who must have it: whoever is on duty there now, and its principal (一把手)
TOLD = (Recipient("unit.duty_officer"), Recipient("unit.principal"))
CHANNELS = ("sms", "email")  # read, not rung: the exact text does not go by voice
NOTICE_STEPS = {  # by the obligation kind they hang off; `jibao check-config` prints them
    "instruction_ack": Step(RELAY_KEY, timedelta(0), TOLD, CHANNELS),
    "instruction_feedback": Step(SUPERVISE_KEY, timedelta(0), TOLD, CHANNELS),
}


def notice_firings(
    obligation: m.Obligation, fired: Iterable[str], now: datetime
) -> tuple[list[Firing], datetime | None]:
    """The instruction notice due on `obligation` at `now` (the relay notice from when the
    acknowledgement clock opened, the 督办 from when feedback fell due), if it has not fired;
    and the moment to look again for one still to come."""
    step = NOTICE_STEPS.get(obligation.kind) if obligation.instruction_id is not None else None
    if step is None or step.key in set(fired):
        return [], None
    moment = obligation.opened_at if step.key == RELAY_KEY else obligation.due_at
    if moment > now:
        return [], moment
    return [Firing(step.key, step, moment)], None


def notes_for(
    session: Session, firings: Iterable[tuple[m.Obligation, str]]
) -> dict[tuple[int, str], InstructionNote]:
    """What each notice firing (obligation, firing key) says about its instruction, by obligation
    id and key, in at most two statements however many; ladder rungs' firings have none."""
    notices = [
        (o, key) for o, key in firings if key in RESERVED_STEP_KEYS and o.instruction_id is not None
    ]
    if not notices:
        return {}
    ids = {o.instruction_id for o, _ in notices}
    instructions = {
        i.id: i for i in session.scalars(select(m.Instruction).where(m.Instruction.id.in_(ids)))
    }
    feedback_due = _feedback_due(session, [o for o, _ in notices])
    found = {}
    for obligation, key in notices:
        instruction = instructions[obligation.instruction_id]  # type: ignore[index]
        found[(obligation.id, key)] = InstructionNote(
            kind=key,
            issuer=f"{instruction.issuer_post}{instruction.issuer_name}",
            instruction_type=instruction.kind,
            text=instruction.text,
            received_at=instruction.received_at,
            feedback_due_at=feedback_due.get(obligation.id),
        )
    return found


def _feedback_due(session: Session, obligations: list[m.Obligation]) -> dict[int, datetime]:
    """When each obligation's feedback is due: the clock's own due time for a 督办; for the
    relay, the first feedback clock's, opened with the acknowledgement clock under the same key
    prefix (`instruction:<id>:<unit>:`), none for 参阅."""
    found = {o.id: o.due_at for o in obligations if o.kind == "instruction_feedback"}
    relays: dict[tuple[int | None, str], list[int]] = {}
    for o in obligations:
        if o.kind != "instruction_feedback":
            relays.setdefault((o.instruction_id, f"{o.key.rpartition(':')[0]}:feedback"), [])
            relays[(o.instruction_id, f"{o.key.rpartition(':')[0]}:feedback")].append(o.id)
    if relays:
        clocks = select(m.Obligation.instruction_id, m.Obligation.key, m.Obligation.due_at).where(
            m.Obligation.instruction_id.in_({i for i, _ in relays}),
            m.Obligation.key.in_({k for _, k in relays}),
        )
        for instruction_id, key, due_at in session.execute(clocks):
            for obligation_id in relays.get((instruction_id, key), ()):
                found.setdefault(obligation_id, due_at)
    return found
