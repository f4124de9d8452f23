"""Frozen data the rules engine takes and returns: filings in, obligations and flags out."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime

from rules.chain import ReportAbove


class Severity(enum.Enum):
    """Incident grade (级别); I is the most serious."""

    I = "I"  # noqa: E741 - the statutory name of the grade
    II = "II"
    III = "III"
    IV = "IV"

    @property
    def rank(self) -> int:
        """1 for I (most serious) to 4 for IV."""
        return _RANKS[self.value]

    def is_more_serious_than(self, other: Severity) -> bool:
        """True when this grade is above `other`."""
        return self.rank < other.rank


_RANKS = {"I": 1, "II": 2, "III": 3, "IV": 4}


class Category(enum.Enum):
    """Statutory category (类别)."""

    NATURAL_DISASTER = "natural_disaster"
    ACCIDENT = "accident"
    PUBLIC_HEALTH = "public_health"
    SOCIAL_SAFETY = "social_safety"


class FilingKind(enum.Enum):
    """What a filing is: docs/api.md, plus `register` (登记: the office records an incident
    or a change it learned of elsewhere, which chases the responsible unit)."""

    PHONE = "phone"
    INITIAL = "initial"
    FOLLOWUP = "followup"
    FINAL = "final"
    UPWARD = "upward"
    REGISTER = "register"
    FEEDBACK = "feedback"


class Party(enum.Enum):
    """Who a report comes from or an obligation is owed by."""

    UNIT = "unit"  # the incident's owning unit, reporting to the office
    OFFICE = "office"  # the office running Jibao, reporting to its parent (the city)


class ObligationKind(enum.Enum):
    """Clock identifiers of docs/api.md."""

    INITIAL = "initial"  # K1
    WRITTEN = "written"  # K2
    UPWARD = "upward"  # K4
    FOLLOWUP = "followup"  # K5
    CHANGE = "change"  # K6
    FINAL = "final"  # K8
    INSTRUCTION_RELAY = "instruction_relay"  # K9
    INSTRUCTION_ACK = "instruction_ack"  # K10
    INSTRUCTION_FEEDBACK = "instruction_feedback"  # K11
    INSTRUCTION_VERIFY = "instruction_verify"  # the section verifies feedback


class Status(enum.Enum):
    """Obligation status on the wire."""

    PENDING = "pending"
    MET = "met"
    LATE = "late"
    MISSED = "missed"
    WAIVED = "waived"


# Still owed: not met and not waived. A missed report is owed all the same (its ladder goes on
# past the cut-off), so acknowledging, chasing, handing over or waiving it still means something.
OWED_STATES = frozenset({Status.PENDING, Status.MISSED})


def still_owed(status: Status | str, met_at: datetime | None) -> bool:
    """Whether an obligation in `status`, met at `met_at` (None: not met), is still owed."""
    return met_at is None and Status(status) in OWED_STATES


class IncidentState(enum.Enum):
    """Where an incident stands."""

    OPEN = "open"
    HANDLING_FINISHED = "handling_finished"
    CLOSED = "closed"
    ARCHIVED = "archived"  # 归档: closed, and the file put away; nothing more is taken


UNKNOWN = "unknown"
Figure = int | str  # a whole number >= 0, or UNKNOWN


@dataclass(frozen=True)
class Casualties:
    """Cumulative figures; any of them may be UNKNOWN."""

    dead: Figure = 0
    missing: Figure = 0
    seriously_injured: Figure = 0
    injured: Figure = 0
    trapped: Figure = 0


@dataclass(frozen=True)
class Filing:
    """One stored report, reduced to what the clocks need.

    Optional fields are None when the filing does not state them (a follow-up that leaves the
    grade unchanged, say)."""

    id: int
    kind: FilingKind
    party: Party
    received_at: datetime
    occurred_at: datetime | None = None
    learned_at: datetime | None = None
    category: Category | None = None
    severity: Severity | None = None
    sensitive: bool | None = None
    complete: bool = True  # a phone log that carries every required element
    handling_finished: bool = False
    material_change: bool = False  # the reporter says something material changed
    casualties: Casualties | None = None
    subtype: str | None = None  # e.g. road_traffic, fire: shortens the update window
    reported_above: tuple[ReportAbove, ...] = ()  # reports to levels above the office (C1)


@dataclass(frozen=True)
class Waiver:
    """An admin's decision that an obligation is not owed."""

    key: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class Chase:
    """A reminder or escalation message sent about an obligation (催报)."""

    key: str
    at: datetime


@dataclass(frozen=True)
class Incident:
    """Everything the rules need about one incident."""

    unit: str  # code of the owning unit
    office: str  # code of the office running the service
    filings: tuple[Filing, ...]
    waivers: tuple[Waiver, ...] = ()
    chases: tuple[Chase, ...] = ()
    archived_at: datetime | None = None  # when the information section archived it

    @property
    def owned_by_office(self) -> bool:
        """The office itself owns the incident: nobody below owes it reports."""
        return self.unit == self.office


@dataclass(frozen=True)
class Obligation:
    """Something that must happen by a due time, and how it stands at `now`."""

    key: str  # stable within an incident, e.g. "initial", "followup:unit:2"
    kind: ObligationKind
    party: Party
    owed_by: str
    anchor_at: datetime
    due_at: datetime
    status: Status
    number: int | None = None  # 续报一 = 1, …
    met_at: datetime | None = None
    met_by: int | None = None  # the filing that met it
    late_minutes: int | None = None
    after_chasing: bool = False
    grace_after_raise: bool = False  # due time moved by a grade raise; no lateness before it
    reason: str | None = None  # why waived or missed

    @property
    def still_owed(self) -> bool:
        """Nobody has met it and nobody waived it."""
        return still_owed(self.status, self.met_at)


@dataclass(frozen=True)
class Flag:
    """A finding about the incident that people must look at."""

    code: str  # under_graded | chain_breach | concealment_suspected | after_chasing
    at: datetime
    filing_id: int | None = None
    # what its message names, by the code's catalogue entry: under_graded {implied, stated}
    # (grades), concealment_suspected {minutes}; the others none
    params: dict[str, str | int] = field(default_factory=dict)
    implied_severity: Severity | None = None  # for under_graded: the grade the figures imply


@dataclass(frozen=True)
class Assessment:
    """The rules' whole answer for one incident at one moment."""

    obligations: tuple[Obligation, ...]
    state: IncidentState
    severity: Severity | None  # as last stated; None while ungraded
    clock_severity: Severity  # the grade the clocks run on (sensitive and ungraded lifted)
    flags: tuple[Flag, ...] = ()
    next_change_at: datetime | None = None
    reopened: bool = False

    def obligation(self, key: str) -> Obligation | None:
        """The obligation with this key, if any."""
        return next((o for o in self.obligations if o.key == key), None)
