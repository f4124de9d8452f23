"""Leader instructions (批示): where each responsible unit stands, and the clocks on it.

An instruction is received by the duty room, relayed to each responsible unit (K9), acknowledged
by the unit (K10), fed back on (落实反馈, K11) and verified by the information section. Each unit
moves on its own: RECEIVED → RELAYED → ACKNOWLEDGED → FEEDBACK → VERIFIED → CLOSED, and a section
head may return feedback for more (back to ACKNOWLEDGED). 参阅 (for reference) needs relay and
acknowledgement only, and closes on acknowledgement.

Everything here is recomputed from the recorded moves, the office's waivers (免报) and a `now`,
like the report clocks; a waiver stops one clock from its moment on, as an incident's does."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from rules.model import Obligation, ObligationKind, Party, Status, Waiver


class InstructionType(enum.Enum):
    """What the issuer asks for."""

    ACT = "act"  # 批办: act on it and report back
    GUIDANCE = "guidance"  # 指导: guidance, reported back on like 批办
    REFERENCE = "reference"  # 参阅: for reference; relay and acknowledgement only

    @property
    def needs_feedback(self) -> bool:
        """Whether units owe feedback (落实反馈) on it."""
        return self is not InstructionType.REFERENCE


class IssuerLevel(enum.Enum):
    """The level of the leader who wrote it."""

    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"  # province or above


class Stage(enum.Enum):
    """Where one responsible unit stands on an instruction."""

    RECEIVED = "received"
    RELAYED = "relayed"
    ACKNOWLEDGED = "acknowledged"
    FEEDBACK = "feedback"
    VERIFIED = "verified"
    CLOSED = "closed"


class Move(enum.Enum):
    """Something someone does about an instruction for one unit."""

    RELAY = "relay"  # the duty room passes it on
    ACKNOWLEDGE = "acknowledge"  # the unit says it has it
    FEED_BACK = "feed_back"  # the unit reports what it did
    VERIFY = "verify"  # the section accepts the feedback
    RETURN = "return"  # the section asks for more
    CLOSE = "close"  # the section closes it after verification


_NEXT: dict[tuple[Stage, Move], Stage] = {
    (Stage.RECEIVED, Move.RELAY): Stage.RELAYED,
    (Stage.RELAYED, Move.ACKNOWLEDGE): Stage.ACKNOWLEDGED,
    (Stage.RELAYED, Move.FEED_BACK): Stage.FEEDBACK,  # feedback says it was received, too
    (Stage.ACKNOWLEDGED, Move.FEED_BACK): Stage.FEEDBACK,
    (Stage.FEEDBACK, Move.VERIFY): Stage.VERIFIED,
    (Stage.FEEDBACK, Move.RETURN): Stage.ACKNOWLEDGED,
    (Stage.VERIFIED, Move.CLOSE): Stage.CLOSED,
}
_NEXT_FOR_REFERENCE: dict[tuple[Stage, Move], Stage] = {
    (Stage.RECEIVED, Move.RELAY): Stage.RELAYED,
    (Stage.RELAYED, Move.ACKNOWLEDGE): Stage.CLOSED,
}


def next_stage(kind: InstructionType, stage: Stage, move: Move) -> Stage | None:
    """The stage `move` leads to from `stage`, or None when it is not allowed there."""
    table = _NEXT if kind.needs_feedback else _NEXT_FOR_REFERENCE
    return table.get((stage, move))


@dataclass(frozen=True)
class Step:
    """One recorded move for one unit."""

    unit: str
    move: Move
    at: datetime


@dataclass(frozen=True)
class InstructionClocks:
    """[rules.instructions]: how long each step may take."""

    relay: timedelta = timedelta(minutes=30)  # K9, from receipt, owed by the duty room
    acknowledge: timedelta = timedelta(hours=1)  # K10, from relay, owed by the unit
    feedback: timedelta = timedelta(hours=24)  # K11, from relay unless a deadline is written
    verify: timedelta = timedelta(hours=2)  # from feedback, owed by the section


@dataclass(frozen=True)
class Instruction:
    """Everything the clocks need about one instruction."""

    key: str  # stable prefix of its obligations' keys, e.g. "instruction:7"
    kind: InstructionType
    office: str  # code of the office whose duty room relays it
    units: tuple[str, ...]  # responsible units' codes
    received_at: datetime
    deadline_at: datetime | None = None  # the deadline written in it, if any
    steps: tuple[Step, ...] = ()  # in the order they happened
    waivers: tuple[Waiver, ...] = ()


@dataclass(frozen=True)
class InstructionAssessment:
    """Each unit's stage, the obligations, and the next moment any of them changes status."""

    stages: dict[str, Stage]
    obligations: tuple[Obligation, ...]
    next_change_at: datetime | None = None


@dataclass
class _Track:
    """One unit's walk through its steps."""

    stage: Stage = Stage.RECEIVED
    relayed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    feedbacks: list[tuple[datetime, datetime]] = field(default_factory=list)  # (anchor, met at)
    returns: list[datetime] = field(default_factory=list)
    decided_at: list[datetime] = field(default_factory=list)  # verify or return, per feedback


def assess_instruction(
    instruction: Instruction, clocks: InstructionClocks, now: datetime
) -> InstructionAssessment:
    """The stages and obligations of `instruction` at `now`. Steps not allowed where they stand
    (which the shell refuses before recording) are ignored."""
    tracks = {unit: _Track() for unit in instruction.units}
    for step in instruction.steps:
        track = tracks.get(step.unit)
        if track is None or step.at > now:
            continue
        after = next_stage(instruction.kind, track.stage, step.move)
        if after is not None:
            _record(track, step)
            track.stage = after
    waivers = {w.key: w for w in instruction.waivers if w.at <= now}
    obligations = [
        _settle(draft, waivers, now)
        for unit, track in tracks.items()
        for draft in _drafts(instruction, clocks, unit, track)
    ]
    upcoming = [o.due_at for o in obligations if o.status is Status.PENDING and o.due_at > now]
    return InstructionAssessment(
        stages={unit: track.stage for unit, track in tracks.items()},
        obligations=tuple(obligations),
        next_change_at=min(upcoming, default=None),
    )


def _record(track: _Track, step: Step) -> None:
    if step.move is Move.RELAY:
        track.relayed_at = step.at
    elif step.move in (Move.ACKNOWLEDGE, Move.FEED_BACK) and track.acknowledged_at is None:
        track.acknowledged_at = step.at
    if step.move is Move.FEED_BACK:
        anchor = track.returns[-1] if track.returns else track.relayed_at
        track.feedbacks.append((anchor or step.at, step.at))
    elif step.move in (Move.VERIFY, Move.RETURN):
        track.decided_at.append(step.at)
        if step.move is Move.RETURN:
            track.returns.append(step.at)


@dataclass(frozen=True)
class _Draft:
    key: str
    kind: ObligationKind
    party: Party
    owed_by: str
    anchor_at: datetime
    due_at: datetime
    met_at: datetime | None
    number: int | None = None


def _drafts(
    instruction: Instruction, clocks: InstructionClocks, unit: str, track: _Track
) -> list[_Draft]:
    base = f"{instruction.key}:{unit}"
    office = instruction.office
    drafts = [
        _Draft(
            f"{base}:relay",
            ObligationKind.INSTRUCTION_RELAY,
            Party.OFFICE,
            office,
            instruction.received_at,
            instruction.received_at + clocks.relay,
            track.relayed_at,
        )
    ]
    if track.relayed_at is None:
        return drafts
    relayed = track.relayed_at
    drafts.append(
        _Draft(
            f"{base}:ack",
            ObligationKind.INSTRUCTION_ACK,
            Party.UNIT,
            unit,
            relayed,
            relayed + clocks.acknowledge,
            track.acknowledged_at,
        )
    )
    if not instruction.kind.needs_feedback:
        return drafts
    drafts += _feedback_drafts(instruction, clocks, unit, track, base)
    return drafts


def _feedback_drafts(
    instruction: Instruction, clocks: InstructionClocks, unit: str, track: _Track, base: str
) -> list[_Draft]:
    """The first feedback is due by the written deadline (else 24 h after relay); each return
    owes another, due a feedback period after the return. Each feedback owes a verification."""
    relayed = track.relayed_at
    assert relayed is not None
    anchors = [relayed, *track.returns]
    drafts = []
    for number, anchor in enumerate(anchors, start=1):
        first = number == 1
        due = (instruction.deadline_at if first else None) or anchor + clocks.feedback
        met = track.feedbacks[number - 1][1] if len(track.feedbacks) >= number else None
        suffix = "" if first else f":{number}"
        drafts.append(
            _Draft(
                f"{base}:feedback{suffix}",
                ObligationKind.INSTRUCTION_FEEDBACK,
                Party.UNIT,
                unit,
                anchor,
                due,
                met,
                number,
            )
        )
        if met is not None:
            decided = track.decided_at[number - 1] if len(track.decided_at) >= number else None
            drafts.append(
                _Draft(
                    f"{base}:verify{suffix}",
                    ObligationKind.INSTRUCTION_VERIFY,
                    Party.OFFICE,
                    instruction.office,
                    met,
                    met + clocks.verify,
                    decided,
                    number,
                )
            )
    return drafts


def _settle(draft: _Draft, waivers: dict[str, Waiver], now: datetime) -> Obligation:
    """Like an incident's waiver (rules/obligations.py): it takes effect from its moment, so a
    clock met before it keeps its status, lateness included, and a move after it meets nothing."""
    waiver = waivers.get(draft.key)
    met_at = draft.met_at
    if waiver is not None and (met_at is None or met_at > waiver.at):
        status, reason, met_at = Status.WAIVED, waiver.reason, None
    elif met_at is None:
        status, reason = Status.PENDING, None
    else:
        status = Status.MET if met_at <= draft.due_at else Status.LATE
        reason = None
    late = None
    if status is Status.LATE and met_at is not None:
        late = int((met_at - draft.due_at).total_seconds() // 60)
    return Obligation(
        key=draft.key,
        kind=draft.kind,
        party=draft.party,
        owed_by=draft.owed_by,
        anchor_at=draft.anchor_at,
        due_at=draft.due_at,
        status=status,
        number=draft.number,
        met_at=met_at,
        late_minutes=late,
        reason=reason,
    )
