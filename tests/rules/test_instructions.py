"""Leader instructions (批示): stages per unit and the clocks K9–K11 and verification."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from rules.instructions import (
    Instruction,
    InstructionClocks,
    InstructionType,
    Move,
    Stage,
    Step,
    assess_instruction,
    next_stage,
)
from rules.model import Obligation, ObligationKind, Party, Status, Waiver
from tests.rules.builders import OFFICE, at

CLOCKS = InstructionClocks()


def local(hh_mm: str) -> datetime:
    """Asia/Shanghai time on the builders' day, from "HH:MM"."""
    hh, mm = hh_mm.split(":")
    return at(int(hh), int(mm))


def instruction(
    *steps: Step,
    kind: InstructionType = InstructionType.ACT,
    units: tuple[str, ...] = ("B",),
    deadline_at: datetime | None = None,
    waivers: tuple[Waiver, ...] = (),
) -> Instruction:
    """An instruction received at 10:00 with the given steps."""
    return Instruction(
        key="instruction:1",
        kind=kind,
        office=OFFICE,
        units=units,
        received_at=local("10:00"),
        deadline_at=deadline_at,
        steps=steps,
        waivers=waivers,
    )


def step(move: Move, at: str, unit: str = "B", day: int = 0) -> Step:
    """`move` for `unit` at local time `at`, `day` days after the first."""
    return Step(unit=unit, move=move, at=local(at) + timedelta(days=day))


def test_scenario_8_relay_at_10_30_ack_at_11_30_feedback_the_next_day_at_10() -> None:
    """docs/scenarios.md, scenario 8: "report within 24 hours", written as the next day's 10:00."""
    written = local("10:00") + timedelta(days=1)
    relayed = instruction(step(Move.RELAY, "10:30"), deadline_at=written)
    result = assess_instruction(relayed, CLOCKS, local("10:40"))
    by_key = {o.key: o for o in result.obligations}
    relay = by_key["instruction:1:B:relay"]
    assert (relay.kind, relay.party, relay.owed_by) == (
        ObligationKind.INSTRUCTION_RELAY,
        Party.OFFICE,
        OFFICE,
    )
    assert relay.due_at == local("10:30") and relay.status is Status.MET
    ack = by_key["instruction:1:B:ack"]
    assert (ack.owed_by, ack.due_at, ack.status) == ("B", local("11:30"), Status.PENDING)
    feedback = by_key["instruction:1:B:feedback"]
    assert (feedback.owed_by, feedback.due_at) == ("B", written)
    assert result.stages == {"B": Stage.RELAYED}
    assert result.next_change_at == local("11:30")


def test_before_relay_only_the_relay_is_owed_and_it_goes_late_after_30_minutes() -> None:
    result = assess_instruction(instruction(), CLOCKS, local("10:45"))
    assert [(o.key, o.status) for o in result.obligations] == [
        ("instruction:1:B:relay", Status.PENDING)
    ]
    late = assess_instruction(instruction(step(Move.RELAY, "10:45")), CLOCKS, local("10:50"))
    relay = late.obligations[0]
    assert (relay.status, relay.late_minutes) == (Status.LATE, 15)


def test_without_a_written_deadline_feedback_is_due_24_hours_after_relay() -> None:
    result = assess_instruction(instruction(step(Move.RELAY, "10:20")), CLOCKS, local("10:21"))
    feedback = next(o for o in result.obligations if o.kind is ObligationKind.INSTRUCTION_FEEDBACK)
    assert feedback.due_at == local("10:20") + timedelta(hours=24)


def test_the_whole_way_to_closed_meets_every_clock_on_time() -> None:
    walk = instruction(
        step(Move.RELAY, "10:10"),
        step(Move.ACKNOWLEDGE, "10:40"),
        step(Move.FEED_BACK, "16:00"),
        step(Move.VERIFY, "17:00"),
        step(Move.CLOSE, "17:05"),
    )
    result = assess_instruction(walk, CLOCKS, local("18:00"))
    assert result.stages == {"B": Stage.CLOSED}
    assert {o.key: o.status for o in result.obligations} == {
        "instruction:1:B:relay": Status.MET,
        "instruction:1:B:ack": Status.MET,
        "instruction:1:B:feedback": Status.MET,
        "instruction:1:B:verify": Status.MET,
    }
    verify = next(o for o in result.obligations if o.kind is ObligationKind.INSTRUCTION_VERIFY)
    assert (verify.owed_by, verify.due_at) == (OFFICE, local("18:00"))
    assert result.next_change_at is None


def test_feedback_after_the_deadline_is_late_by_its_minutes() -> None:
    walk = instruction(
        step(Move.RELAY, "10:00"),
        step(Move.ACKNOWLEDGE, "10:30"),
        step(Move.FEED_BACK, "11:00", day=1),
        deadline_at=local("10:00") + timedelta(days=1),
    )
    result = assess_instruction(walk, CLOCKS, local("12:00") + timedelta(days=1))
    feedback = next(o for o in result.obligations if o.key == "instruction:1:B:feedback")
    assert (feedback.status, feedback.late_minutes) == (Status.LATE, 60)


def test_a_returned_feedback_owes_another_one_and_the_first_stays_met() -> None:
    walk = instruction(
        step(Move.RELAY, "10:00"),
        step(Move.ACKNOWLEDGE, "10:10"),
        step(Move.FEED_BACK, "12:00"),
        step(Move.RETURN, "13:00"),
    )
    result = assess_instruction(walk, CLOCKS, local("13:30"))
    by_key = {o.key: o for o in result.obligations}
    assert result.stages == {"B": Stage.ACKNOWLEDGED}
    assert by_key["instruction:1:B:feedback"].status is Status.MET
    assert by_key["instruction:1:B:verify"].status is Status.MET  # returning is deciding
    again = by_key["instruction:1:B:feedback:2"]
    assert (again.status, again.number) == (Status.PENDING, 2)
    assert again.due_at == local("13:00") + timedelta(hours=24)


def test_feedback_without_acknowledgement_counts_as_both() -> None:
    walk = instruction(step(Move.RELAY, "10:00"), step(Move.FEED_BACK, "10:50"))
    result = assess_instruction(walk, CLOCKS, local("11:00"))
    by_key = {o.key: o for o in result.obligations}
    assert by_key["instruction:1:B:ack"].met_at == local("10:50")
    assert result.stages == {"B": Stage.FEEDBACK}


def test_for_reference_needs_relay_and_acknowledgement_only() -> None:
    walk = instruction(
        step(Move.RELAY, "10:00"), step(Move.ACKNOWLEDGE, "10:30"), kind=InstructionType.REFERENCE
    )
    result = assess_instruction(walk, CLOCKS, local("11:00"))
    assert [o.kind for o in result.obligations] == [
        ObligationKind.INSTRUCTION_RELAY,
        ObligationKind.INSTRUCTION_ACK,
    ]
    assert result.stages == {"B": Stage.CLOSED}


def test_each_unit_moves_on_its_own() -> None:
    walk = instruction(
        step(Move.RELAY, "10:05", unit="B"),
        step(Move.RELAY, "10:50", unit="C"),
        step(Move.ACKNOWLEDGE, "10:20", unit="B"),
        units=("B", "C"),
    )
    result = assess_instruction(walk, CLOCKS, local("11:00"))
    assert result.stages == {"B": Stage.ACKNOWLEDGED, "C": Stage.RELAYED}
    c_relay = next(o for o in result.obligations if o.key == "instruction:1:C:relay")
    assert c_relay.status is Status.LATE
    c_ack = next(o for o in result.obligations if o.key == "instruction:1:C:ack")
    assert c_ack.due_at == local("11:50")


def test_a_waived_pending_clock_is_waived_with_its_reason() -> None:
    waiver = Waiver(key="instruction:1:B:relay", at=local("10:40"), reason="面呈领导")
    result = assess_instruction(instruction(waivers=(waiver,)), CLOCKS, local("11:00"))
    assert (result.obligations[0].status, result.obligations[0].reason) == (
        Status.WAIVED,
        "面呈领导",
    )


def waiver(clock: str, at: str, reason: str = "已当面交办", unit: str = "B") -> Waiver:
    """A waiver of `unit`'s `clock` (relay, ack, feedback, verify…) at local time `at`."""
    return Waiver(key=f"instruction:1:{unit}:{clock}", at=local(at), reason=reason)


def _by_key(walk: Instruction, now: str) -> dict[str, Obligation]:
    return {o.key: o for o in assess_instruction(walk, CLOCKS, local(now)).obligations}


@pytest.mark.parametrize(
    ("clock", "steps", "waived_at", "now", "status", "late"),
    [
        # owed when waived: waived from then on, however overdue it was (as an incident's)
        ("relay", (), "10:40", "11:00", Status.WAIVED, None),
        ("ack", (("relay", "10:10"),), "12:00", "12:30", Status.WAIVED, None),
        (
            "verify",
            (("relay", "10:10"), ("feed_back", "11:00")),
            "13:30",
            "14:00",
            Status.WAIVED,
            None,
        ),
        # not seen before its moment: the clock is still owed, and overdue
        ("relay", (), "11:30", "11:00", Status.PENDING, None),
        # met before the waiver: kept as it was, its lateness too
        ("relay", (("relay", "10:45"),), "10:50", "11:00", Status.LATE, 15),
        ("ack", (("relay", "10:10"), ("acknowledge", "10:20")), "10:30", "11:00", Status.MET, None),
        # a move after the waiver meets nothing
        (
            "ack",
            (("relay", "10:10"), ("acknowledge", "11:00")),
            "10:30",
            "11:30",
            Status.WAIVED,
            None,
        ),
    ],
)
def test_a_waiver_stops_a_clock_from_its_moment_on(
    clock: str,
    steps: tuple[tuple[str, str], ...],
    waived_at: str,
    now: str,
    status: Status,
    late: int | None,
) -> None:
    walk = instruction(
        *(step(Move(move), t) for move, t in steps), waivers=(waiver(clock, waived_at),)
    )
    found = _by_key(walk, now)[f"instruction:1:B:{clock}"]
    assert (found.status, found.late_minutes) == (status, late)
    if status is Status.WAIVED:
        assert (found.reason, found.met_at) == ("已当面交办", None)
    else:
        assert found.reason is None


def test_a_waived_clock_is_no_next_change_and_the_others_run_on() -> None:
    walk = instruction(step(Move.RELAY, "10:10"), waivers=(waiver("ack", "10:20"),))
    result = assess_instruction(walk, CLOCKS, local("10:30"))
    by_key = {o.key: o for o in result.obligations}
    assert by_key["instruction:1:B:ack"].status is Status.WAIVED
    feedback = by_key["instruction:1:B:feedback"]
    assert (feedback.status, feedback.due_at) == (Status.PENDING, local("10:10") + timedelta(1))
    assert result.next_change_at == feedback.due_at  # not the waived ack's 11:10
    assert result.stages == {"B": Stage.RELAYED}  # a waiver is no move


def test_feedback_after_its_clock_was_waived_meets_nothing_but_is_verified() -> None:
    walk = instruction(
        step(Move.RELAY, "10:00"),
        step(Move.ACKNOWLEDGE, "10:10"),
        step(Move.FEED_BACK, "12:00"),
        waivers=(waiver("feedback", "11:00", reason="已另行报告"),),
    )
    result = assess_instruction(walk, CLOCKS, local("12:30"))
    by_key = {o.key: o for o in result.obligations}
    assert by_key["instruction:1:B:feedback"].status is Status.WAIVED
    verify = by_key["instruction:1:B:verify"]
    assert (verify.status, verify.due_at) == (Status.PENDING, local("14:00"))
    assert result.stages == {"B": Stage.FEEDBACK}


def test_a_waiver_names_one_clock_of_one_unit() -> None:
    walk = instruction(
        step(Move.RELAY, "10:00", unit="B"),
        step(Move.RELAY, "10:00", unit="C"),
        step(Move.ACKNOWLEDGE, "10:10", unit="B"),
        step(Move.FEED_BACK, "12:00", unit="B"),
        step(Move.RETURN, "13:00", unit="B"),
        units=("B", "C"),
        waivers=(waiver("feedback:2", "13:10"),),
    )
    by_key = _by_key(walk, "13:30")
    assert by_key["instruction:1:B:feedback"].status is Status.MET
    assert by_key["instruction:1:B:feedback:2"].status is Status.WAIVED
    assert by_key["instruction:1:C:feedback"].status is Status.PENDING


def test_steps_not_allowed_where_a_unit_stands_change_nothing() -> None:
    walk = instruction(
        step(Move.ACKNOWLEDGE, "10:05"),  # not relayed yet
        step(Move.VERIFY, "10:06"),  # nothing to verify
        step(Move.RELAY, "10:10"),
        step(Move.RELAY, "10:20"),  # a second relay: the first counts
        step(Move.CLOSE, "10:30"),  # not verified
    )
    result = assess_instruction(walk, CLOCKS, local("10:40"))
    assert result.stages == {"B": Stage.RELAYED}
    ack = next(o for o in result.obligations if o.key == "instruction:1:B:ack")
    assert (ack.anchor_at, ack.met_at) == (local("10:10"), None)


def test_steps_after_now_are_not_seen_yet() -> None:
    walk = instruction(step(Move.RELAY, "10:10"))
    assert assess_instruction(walk, CLOCKS, local("10:05")).stages == {"B": Stage.RECEIVED}


@pytest.mark.parametrize(
    ("kind", "stage", "move", "after"),
    [
        (InstructionType.ACT, Stage.RECEIVED, Move.RELAY, Stage.RELAYED),
        (InstructionType.ACT, Stage.RELAYED, Move.ACKNOWLEDGE, Stage.ACKNOWLEDGED),
        (InstructionType.GUIDANCE, Stage.ACKNOWLEDGED, Move.FEED_BACK, Stage.FEEDBACK),
        (InstructionType.ACT, Stage.FEEDBACK, Move.RETURN, Stage.ACKNOWLEDGED),
        (InstructionType.ACT, Stage.FEEDBACK, Move.VERIFY, Stage.VERIFIED),
        (InstructionType.ACT, Stage.VERIFIED, Move.CLOSE, Stage.CLOSED),
        (InstructionType.ACT, Stage.VERIFIED, Move.FEED_BACK, None),
        (InstructionType.ACT, Stage.CLOSED, Move.RELAY, None),
        (InstructionType.REFERENCE, Stage.RECEIVED, Move.RELAY, Stage.RELAYED),
        (InstructionType.REFERENCE, Stage.RELAYED, Move.FEED_BACK, None),
        (InstructionType.REFERENCE, Stage.RELAYED, Move.ACKNOWLEDGE, Stage.CLOSED),
        (InstructionType.REFERENCE, Stage.CLOSED, Move.FEED_BACK, None),
    ],
)
def test_next_stage(kind: InstructionType, stage: Stage, move: Move, after: Stage | None) -> None:
    assert next_stage(kind, stage, move) is after
