"""A report as intake takes it: the `Report` dataclass and the field rules of docs/api.md.

The API builds one from its `FilingIn` body and the dashboard from a form; both go through
`read_report`, which checks every field and refuses with the fields named, so a report means
the same whichever door it came in by. What a kind of report must hold is checked by intake
(`check_complete`), and by the API's body model too, so its schema errors come first."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from annotated_types import MaxLen
from pydantic import (
    BeforeValidator,
    ConfigDict,
    StrictBool,
    StringConstraints,
    TypeAdapter,
    WithJsonSchema,
)
from pydantic import ValidationError as _ValidationError
from pydantic_core import PydanticCustomError

from alerts.errors import FieldProblem, Invalid, problems_from_validation
from alerts.phones import Phone
from alerts.storage.bounds import RowId, WireTime
from rules.model import UNKNOWN, Category, FilingKind, Severity

_SEVERITY_WORDS = {
    "特别重大": "I",
    "重大": "II",
    "较大": "III",
    "一般": "IV",
    "Ⅰ": "I",
    "Ⅱ": "II",
    "Ⅲ": "III",
    "Ⅳ": "IV",
}
_CATEGORY_WORDS = {
    "自然灾害": "natural_disaster",
    "事故灾难": "accident",
    "公共卫生事件": "public_health",
    "社会安全事件": "social_safety",
}
MAX_FIGURE = 1_000_000  # people: beyond any incident, and within every integer column
MAX_LOSS = 10**9  # 万元: ten trillion yuan

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]


def _severity(value: Any) -> Any:
    if value is None or isinstance(value, Severity):
        return value
    if isinstance(value, str):
        word = value.strip().removesuffix("级")
        word = _SEVERITY_WORDS.get(word, word).upper()
        if word in Severity.__members__:
            return Severity(word)
    raise PydanticCustomError("severity", "bad severity")


def _category(value: Any) -> Any:
    if isinstance(value, Category):
        return value
    if isinstance(value, str):
        word = _CATEGORY_WORDS.get(value.strip(), value.strip())
        if word in {c.value for c in Category}:
            return Category(word)
    raise PydanticCustomError("category", "bad category")


def _figure(value: Any) -> Any:
    if value == UNKNOWN or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        if value != UNKNOWN and value > MAX_FIGURE:
            raise PydanticCustomError("figure_too_big", "figure too big")
        return value
    raise PydanticCustomError("whole_number", "bad figure")


def _loss(value: Any) -> Any:
    if value == UNKNOWN:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and value >= 0:
        if value > MAX_LOSS:
            raise PydanticCustomError("loss_too_big", "loss too big")
        return value
    raise PydanticCustomError("loss", "bad loss")


# "unknown" as a one-value enum, not a const: generated clients (openapi-python-client) read a
# const inside a union as the only value the union may take
_UNKNOWN_SCHEMA = {"type": "string", "enum": [UNKNOWN]}
Figure = Annotated[
    int | Literal["unknown"],
    BeforeValidator(_figure),
    WithJsonSchema(
        {"anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_FIGURE}, _UNKNOWN_SCHEMA]}
    ),
]
Loss = Annotated[
    float | int | Literal["unknown"],
    BeforeValidator(_loss),
    WithJsonSchema(
        {"anyOf": [{"type": "number", "minimum": 0, "maximum": MAX_LOSS}, _UNKNOWN_SCHEMA]}
    ),
]
SeverityIn = Annotated[Severity | None, BeforeValidator(_severity)]
CategoryIn = Annotated[Category, BeforeValidator(_category)]
Level = Literal["county", "city", "province", "other"]
MAX_REPORTED_TO = 50


@dataclass(frozen=True)
class Location:
    """Administrative area and address."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")
    area: ShortText
    address: Text


@dataclass(frozen=True)
class Casualties:
    """Cumulative figures; omitted ones stay as last reported."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")
    dead: Figure | None = None
    missing: Figure | None = None
    seriously_injured: Figure | None = None
    injured: Figure | None = None
    trapped: Figure | None = None

    def stated(self) -> dict[str, int | str]:
        """The figures this report gives, by name."""
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}


@dataclass(frozen=True)
class ReportedTo:
    """Someone the unit already reported to, and when; `level` (or `to` naming a higher office)
    feeds the county-knows-first rule, `reason` says why a report skipped the county (越级上报)."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")
    to: ShortText
    at: WireTime
    level: Level | None = None
    reason: ShortText | None = None


@dataclass(frozen=True)
class Reporter:
    """Who reports: name, post and a phone to call back."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")
    name: ShortText
    post: ShortText
    phone: Phone


@dataclass(frozen=True)
class Report:
    """One report to file. `ignored_keys` are keys its sender gave that reports do not have."""

    __pydantic_config__: ClassVar[ConfigDict] = ConfigDict(extra="forbid")
    kind: FilingKind
    unit: ShortText | None = None
    incident_id: RowId | None = None
    instruction_id: RowId | None = None  # feedback (落实反馈) names the instruction
    external_ref: ShortText | None = None
    occurred_at: WireTime | None = None
    learned_at: WireTime | None = None
    category: CategoryIn | None = None
    subtype: ShortText | None = None
    severity: SeverityIn = None
    sensitive: StrictBool | None = None
    classified: StrictBool | None = None
    title: Title | None = None
    location: Location | None = None
    description: Text | None = None
    extent: Text | None = None
    casualties: Casualties | None = None
    casualty_correction: Text | None = None
    direct_loss_wan_yuan: Loss | None = None
    measures: Text | None = None
    leaders_informed: Text | None = None
    already_reported_to: Annotated[tuple[ReportedTo, ...], MaxLen(MAX_REPORTED_TO)] | None = None
    signed_by: ShortText | None = None
    reporter: Reporter | None = None
    handling_finished: StrictBool = False
    material_change: StrictBool = False
    ignored_keys: tuple[str, ...] = ()

    def times(self) -> dict[str, datetime]:
        """The times the report states, by field path, for the not-in-the-future check."""
        found = {"occurred_at": self.occurred_at, "learned_at": self.learned_at}
        for index, entry in enumerate(self.already_reported_to or ()):
            found[f"already_reported_to.{index}.at"] = entry.at
        return {path: value for path, value in found.items() if value is not None}

    def stated_figures(self) -> dict[str, int | str]:
        """The casualty figures this report gives, by name."""
        return self.casualties.stated() if self.casualties else {}

    def payload(self) -> dict[str, Any]:
        """The report as stored with its filing: JSON, without what it leaves out."""
        data: dict[str, Any] = _ADAPTER.dump_python(
            self, mode="json", exclude_none=True, exclude={"ignored_keys"}
        )
        return data


_ADAPTER = TypeAdapter(Report)

_FIRST_REPORT = ("occurred_at", "category", "title", "location", "description", "reporter")
REQUIRED: dict[FilingKind, tuple[str, ...]] = {
    FilingKind.INITIAL: _FIRST_REPORT,
    FilingKind.PHONE: _FIRST_REPORT,
    FilingKind.REGISTER: ("occurred_at", "category", "title", "description"),
    FilingKind.FOLLOWUP: ("incident_id", "description"),
    FilingKind.FINAL: ("incident_id", "description"),
    FilingKind.UPWARD: ("incident_id", "description"),
    FilingKind.FEEDBACK: ("instruction_id", "description"),
}
_NEEDS_SEVERITY = {FilingKind.INITIAL, FilingKind.PHONE, FilingKind.REGISTER}

# What a complete first report carries (docs/api.md): a phone log with all of it meets K1, and a
# written initial report without some of it is accepted with the rest named as still owed.
COMPLETE_REPORT = (
    "learned_at",
    "extent",
    "casualties",
    "direct_loss_wan_yuan",
    "measures",
    "leaders_informed",
    "already_reported_to",
)


def missing_fields(report: Any) -> list[str]:
    """The fields a report of its kind must hold and does not (anything with a report's
    attributes: a Report, or the API's body)."""
    kind = report.kind
    more_about_known = kind is FilingKind.REGISTER and report.incident_id is not None
    required = ("description",) if more_about_known else REQUIRED[kind]
    missing = [name for name in required if getattr(report, name) is None]
    if (
        kind in _NEEDS_SEVERITY
        and not more_about_known
        and report.severity is None
        and report.category is not Category.SOCIAL_SAFETY
    ):
        missing.append("severity")
    return missing


def check_complete(report: Report) -> None:
    """Refuse a report that lacks what its kind needs, or learned of before it happened."""
    missing = missing_fields(report)
    if missing:
        raise Invalid(*(FieldProblem(name, "required") for name in missing))
    if learned_before_occurred(report):
        raise Invalid(FieldProblem("learned_at", "before_occurred"))


def learned_before_occurred(report: Any) -> bool:
    """A report may not say the unit learned of the incident before it happened."""
    occurred, learned = report.occurred_at, report.learned_at
    return bool(occurred and learned and learned < occurred)


def read_report(data: Mapping[str, Any], *, ignored_keys: tuple[str, ...] = ()) -> Report:
    """A Report from plain data (JSON-like, or enums and datetimes already); Invalid, with
    every field's problem, when a field breaks its rule."""
    try:
        report = _ADAPTER.validate_python({**data, "ignored_keys": ignored_keys})
    except _ValidationError as exc:
        raise Invalid(*problems_from_validation(exc.errors())) from exc
    return report
