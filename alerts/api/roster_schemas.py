"""What the roster routes answer, as pydantic models: who is on duty, shifts, gaps, special
periods, swaps, handovers, duty checks, roster files and calendar links.

Like alerts/api/schemas.py: exactly what the routes have always answered, every field present,
null where its type says so; times are RFC 3339 strings in the configured zone."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from alerts.api.schemas import Day, ErrorDetailOut, Moment, Out, PersonOut


class OnDutyOut(Out):
    """Who holds each role at one moment."""

    unit: str
    at: Moment
    roles: dict[str, list[PersonOut]] = Field(description="every role, with its holders")


class ShiftOut(Out):
    """A resolved stretch of duty."""

    role: str
    person_id: int
    person: str
    starts_at: Moment
    ends_at: Moment
    source: str = Field(description="rotation, holiday, import, override or swap")
    swapped_from: int | None


class ShiftsOut(Out):
    """A unit's resolved shifts, in order."""

    unit: str
    shifts: list[ShiftOut]


class GapOut(Out):
    """A span within the horizon with nobody in a role."""

    unit: str
    unit_name: str
    role: str
    starts_at: Moment
    ends_at: Moment


class VacancyOut(Out):
    """A role a ladder step needed and nobody held."""

    unit: str
    unit_name: str
    role: str
    at: Moment
    obligation_id: int
    step: str


class GapsOut(Out):
    """Gaps from now to the horizon, and the vacancies met over the same span past."""

    start: Moment = Field(serialization_alias="from")
    end: Moment = Field(serialization_alias="to")
    gaps: list[GapOut]
    vacancies: list[VacancyOut]


class RotationOut(Out):
    """The rotation just stored."""

    id: int
    unit: str
    role: str


class SpecialPeriodOut(Out):
    """A period marked on the roster; `unit_id` null: every unit of the office."""

    id: int
    name: str
    kind: str
    starts_on: Day
    ends_on: Day
    unit_id: int | None


class SpecialPeriodsOut(Out):
    """Special periods, soonest first."""

    special_periods: list[SpecialPeriodOut]


class SwapStateOut(Out):
    """A swap request and where it stands."""

    id: int
    state: str = Field(description="pending, approved or rejected")


class SwapOut(Out):
    """A swap request as listed."""

    id: int
    unit: str
    role: str
    from_person_id: int
    from_person: str | None
    to_person_id: int
    to_person: str | None
    starts_at: Moment
    ends_at: Moment
    reason: str
    state: str
    decided_by: str | None
    decided_at: Moment | None


class SwapsOut(Out):
    """Swap requests, oldest first."""

    swaps: list[SwapOut]


class HandoverOut(Out):
    """A handover with the clocks handed over."""

    id: int
    unit: str
    role: str
    shift_end_at: Moment
    outgoing_person_id: int | None
    outgoing: str | None
    incoming_person_id: int | None
    incoming: str | None
    items: list[dict[str, Any]] = Field(description="the open obligations handed over")
    notes: str
    accepted_at: Moment | None
    accept_by: Moment
    overdue: bool
    leader_told_at: Moment | None


class HandoversOut(Out):
    """Handovers, newest first."""

    handovers: list[HandoverOut]


class HandoverActedOut(Out):
    """A handover after notes or acceptance."""

    id: int
    accepted: bool
    notes: str


class DutyCheckOut(Out):
    """A duty check (查岗) and its answer."""

    id: int
    unit: str
    person_id: int | None
    person: str
    code: str
    asked_at: Moment
    due_at: Moment
    answered_at: Moment | None
    answered_in_time: bool
    leader_told_at: Moment | None


class DutyRecordOut(Out):
    """A unit's tally of duty checks."""

    asked: int
    answered: int
    missed: int


class DutyChecksOut(Out):
    """Duty checks, newest first, and each unit's record by unit code."""

    checks: list[DutyCheckOut]
    record: dict[str, DutyRecordOut]


class RowProblemOut(Out):
    """Something wrong in (or worth a warning about) a roster file: row null means the whole
    file."""

    row: int | None
    column: str
    code: str
    problem: str


class RosterImportOut(Out):
    """A month's roster stored from a file."""

    unit: str
    month: str = Field(description="YYYY-MM")
    days: int
    stored: int
    replaced: int
    warnings: list[RowProblemOut]


class RosterFileRefusedOut(Out):
    """A 422. When the file itself was refused (nothing stored) it names every bad row in
    `report`, with the warnings; when the request was (no unit, say) both are absent."""

    error: ErrorDetailOut
    report: list[RowProblemOut] = Field(default_factory=list)
    warnings: list[RowProblemOut] = Field(default_factory=list)


class PersonCalendarLinkOut(Out):
    """The feed address of one person's duty shifts, in every unit they serve."""

    person_id: int
    url: str
    webcal: str


class UnitCalendarLinkOut(Out):
    """The feed address of one unit's duty shifts."""

    unit: str
    url: str
    webcal: str
