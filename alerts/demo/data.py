"""The demo county as data: county.toml beside this module (units and their people, scripted
incidents and leader instructions, the roster's shape, the dashboard accounts), read once into
frozen, validated models.

The file is package data; a mistake in it fails loudly here, naming the key, before anything is
seeded."""

from __future__ import annotations

import tomllib
from importlib.resources import files
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

COUNTY_FILE = "county.toml"
MonthDay = Annotated[str, StringConstraints(pattern=r"^\d\d-\d\d$")]


class _Data(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PersonSpec(_Data):
    """One person of the demo county; `role` is the demo's own key for picking people."""

    role: str
    post: str
    name: str
    phone: str
    email: str


class UnitSpec(_Data):
    """A unit of the demo county; `kind` picks its parent (the city, the office) and its posts."""

    code: str
    name: str
    kind: Literal["city", "office", "town", "xiang", "department"]
    people: tuple[PersonSpec, ...]


class ReportedTo(_Data):
    """Someone the unit had already told before the office, `ago` minutes before the seed."""

    to: str
    level: str
    ago: int


class Step(_Data):
    """One filing, `ago` minutes before the seed; `by="office"` is the office's own report;
    `extra` is merged into its webhook body and the fields named in `omit` are left out of it
    (a phone log that lacks elements)."""

    ago: int
    kind: str
    description: str
    by: Literal["unit", "office"] = "unit"
    extra: dict[str, Any] = Field(default_factory=dict)
    omit: tuple[str, ...] = ()


class Scenario(_Data):
    """A scripted incident: the facts of its first report, then its filings oldest first.

    A registered incident (the office learned of it elsewhere) states only what the office knows."""

    unit: str
    ref: str
    title: str
    category: str
    severity: str | None = None
    subtype: str | None = None
    sensitive: bool = False
    occurred_ago: int
    learned_ago: int | None = None
    area: str
    address: str
    extent: str = ""
    casualties: dict[str, int | str]
    loss: int | float | str
    measures: str = ""
    leaders: str = ""
    reported_to: tuple[ReportedTo, ...] = ()
    steps: tuple[Step, ...]


class Issuer(_Data):
    """Who wrote a demo instruction."""

    name: str
    post: str
    level: Literal["county", "city", "province"]


class InstructionMove(_Data):
    """One move on a demo instruction, `ago` minutes before the seed, for `unit` (None: every
    responsible unit): relay, acknowledge, feed_back (with `text`), verify, return (with a
    `reason`), close; or `waive` the unit's `clock` (relay, ack, feedback, verify), with a
    `reason`."""

    ago: int = Field(ge=0)
    move: Literal["relay", "acknowledge", "feed_back", "verify", "return", "close", "waive"]
    unit: str | None = None
    text: str = ""
    reason: str = ""
    clock: Literal["relay", "ack", "feedback", "verify", ""] = ""

    @model_validator(mode="after")
    def _says_what_it_needs(self) -> InstructionMove:
        if self.move == "feed_back" and not self.text:
            raise ValueError("feed_back needs its text")
        if self.move in ("return", "waive") and not self.reason:
            raise ValueError(f"{self.move} needs a reason")
        if (self.move == "waive") != bool(self.clock):
            raise ValueError("a clock is named by waive, and only by it")
        return self


class InstructionSpec(_Data):
    """A scripted leader instruction (批示), received `received_ago` minutes before the seed, on
    the incident of scenario `incident` (a ref) or on none, then its moves oldest first."""

    ref: str
    incident: str | None = None
    issuer: Issuer
    type: Literal["act", "guidance", "reference"]
    text: str
    units: tuple[str, ...] = Field(min_length=1)
    received_ago: int = Field(ge=0)
    deadline_ago: int | None = None  # negative: still ahead
    moves: tuple[InstructionMove, ...] = ()

    @model_validator(mode="after")
    def _moves_follow_receipt(self) -> InstructionSpec:
        stray = [m.unit for m in self.moves if m.unit is not None and m.unit not in self.units]
        if stray:
            raise ValueError(f"{self.ref}: a move for a unit it does not name: {stray}")
        agos = [m.ago for m in self.moves]
        if any(ago > self.received_ago for ago in agos) or agos != sorted(agos, reverse=True):
            raise ValueError(f"{self.ref}: moves come after receipt, oldest first")
        if self.deadline_ago is not None and self.deadline_ago >= self.received_ago:
            raise ValueError(f"{self.ref}: the deadline comes before receipt")
        return self


class Season(_Data):
    """A special period every year from `starts` to `ends` (month-day, into the next year)."""

    name: str
    kind: str
    starts: MonthDay
    ends: MonthDay


class Event(_Data):
    """A special period of `days` days, `days_ahead` days after the seed."""

    name: str
    kind: str
    days_ahead: int
    days: int


class RosterSpec(_Data):
    """The shape of the demo roster; alerts/demo/roster.py turns it into rows."""

    weeks: int
    changes_at: str = Field(pattern=r"^\d\d:\d\d$")
    rotation_label: str
    standing: dict[str, str]  # a person's demo role: the standing roster role it holds
    office_standing: dict[str, str]
    standing_note: str
    gap_unit: str
    gap_days_ahead: int
    stand_in_note: str
    swap_reason: str
    swap_days_ahead: int
    season: Season
    event: Event


class Account(_Data):
    """A dashboard account, linked to whoever holds `roster_role` in `unit` (None: the office)."""

    username: str
    role: str
    name: str  # when nobody holds the roster role
    unit: str | None = None
    roster_role: str | None = None


class Accounts(_Data):
    """The demo's accounts and their one password."""

    password: str
    users: tuple[Account, ...]


class TryIt(_Data):
    """The example filing the banner prints: `body` with times and people filled in."""

    occurred_ago: int
    learned_ago: int
    reported_to: tuple[ReportedTo, ...]
    body: dict[str, Any]


class Codes(_Data):
    """The units the seed treats specially."""

    city: str
    office: str
    demo_unit: str


class DemoCounty(_Data):
    """Everything county.toml holds."""

    county: Codes
    units: tuple[UnitSpec, ...]
    scenarios: tuple[Scenario, ...]
    instructions: tuple[InstructionSpec, ...] = ()
    try_it: TryIt
    roster: RosterSpec
    accounts: Accounts

    @model_validator(mode="after")
    def _units_named_exist(self) -> DemoCounty:
        codes = [unit.code for unit in self.units]
        if len(set(codes)) != len(codes):
            raise ValueError("two units have the same code")
        named = {
            "county.city": self.county.city,
            "county.office": self.county.office,
            "county.demo_unit": self.county.demo_unit,
            "roster.gap_unit": self.roster.gap_unit,
            **{f"scenarios.{s.ref}.unit": s.unit for s in self.scenarios},
            **{f"accounts.{a.username}.unit": a.unit for a in self.accounts.users if a.unit},
        }
        named |= {
            f"instructions.{i.ref}.units.{n}": code
            for i in self.instructions
            for n, code in enumerate(i.units)
        }
        unknown = [f"{where} = {code!r}" for where, code in named.items() if code not in codes]
        if unknown:
            raise ValueError("no such unit: " + ", ".join(unknown))
        refs = {s.ref for s in self.scenarios}
        stray = [i.ref for i in self.instructions if i.incident and i.incident not in refs]
        if stray:
            raise ValueError("an instruction on no scripted incident: " + ", ".join(stray))
        return self


People = dict[str, tuple[PersonSpec, ...]]


def load_county(text: str | None = None) -> DemoCounty:
    """The demo county from TOML text (default: county.toml beside this module)."""
    if text is None:
        text = files("alerts.demo").joinpath(COUNTY_FILE).read_text(encoding="utf-8")
    return DemoCounty.model_validate(tomllib.loads(text))


COUNTY = load_county()
CITY, OFFICE, DEMO_UNIT = COUNTY.county.city, COUNTY.county.office, COUNTY.county.demo_unit
UNITS = COUNTY.units
SCENARIOS = COUNTY.scenarios
INSTRUCTIONS = COUNTY.instructions


def demo_people() -> People:
    """Everyone in the demo county by unit code."""
    return {unit.code: unit.people for unit in UNITS}
