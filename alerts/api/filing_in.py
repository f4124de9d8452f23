"""FilingIn: the webhook body of CONTRACT.md §2, with field rules from DOMAIN.md §5."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StringConstraints,
    WithJsonSchema,
    model_validator,
)
from pydantic_core import PydanticCustomError

from alerts.api.bounds import RowId, WireTime
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
_MOBILE = re.compile(r"1[3-9]\d{9}")
_E164 = re.compile(r"\+[1-9]\d{6,14}")
_LANDLINE = re.compile(r"0\d{2,3}-?\d{7,8}(-\d{1,6})?")

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
ShortText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]


def _severity(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, str):
        word = value.strip().removesuffix("级")
        word = _SEVERITY_WORDS.get(word, word).upper()
        if word in Severity.__members__:
            return Severity(word)
    raise PydanticCustomError("severity", "bad severity")


def _category(value: Any) -> Any:
    if isinstance(value, str):
        word = _CATEGORY_WORDS.get(value.strip(), value.strip())
        if word in {c.value for c in Category}:
            return Category(word)
    raise PydanticCustomError("category", "bad category")


MAX_FIGURE = 1_000_000  # people: beyond any incident, and within every integer column
MAX_LOSS = 10**9  # 万元: ten trillion yuan


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


def _phone(value: Any) -> Any:
    text = value.strip().replace(" ", "") if isinstance(value, str) else None
    if text and any(p.fullmatch(text) for p in (_MOBILE, _E164, _LANDLINE)):
        return text
    raise PydanticCustomError("phone", "bad phone")


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
Phone = Annotated[str, BeforeValidator(_phone)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Location(_Strict):
    """Administrative area and address."""

    area: ShortText
    address: Text


class Casualties(_Strict):
    """Cumulative figures; omitted ones stay as last reported."""

    dead: Figure | None = None
    missing: Figure | None = None
    seriously_injured: Figure | None = None
    injured: Figure | None = None
    trapped: Figure | None = None


class ReportedTo(_Strict):
    """Someone the unit already reported to, and when; `level` feeds the county-knows-first rule."""

    to: ShortText
    at: WireTime
    level: Literal["county", "city", "province", "other"] | None = None


class Reporter(_Strict):
    """Who reports: name, post and a phone to call back."""

    name: ShortText
    post: ShortText
    phone: Phone


class FilingIn(BaseModel):
    """A report as posted. Unknown top-level keys are ignored and named in the warnings."""

    model_config = ConfigDict(extra="allow", frozen=True)

    kind: FilingKind
    unit: ShortText | None = None
    incident_id: RowId | None = None
    external_ref: ShortText | None = None
    occurred_at: WireTime | None = None
    learned_at: WireTime | None = None
    category: CategoryIn | None = None
    subtype: ShortText | None = None
    severity: SeverityIn = None
    sensitive: StrictBool | None = None
    classified: StrictBool | None = None
    title: (
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
        | None
    ) = None
    location: Location | None = None
    description: Text | None = None
    extent: Text | None = None
    casualties: Casualties | None = None
    casualty_correction: Text | None = None
    direct_loss_wan_yuan: Loss | None = None
    measures: Text | None = None
    leaders_informed: Text | None = None
    already_reported_to: list[ReportedTo] | None = Field(default=None, max_length=50)
    signed_by: ShortText | None = None
    reporter: Reporter | None = None
    handling_finished: StrictBool = False
    material_change: StrictBool = False

    @model_validator(mode="after")
    def _required_for_kind(self) -> FilingIn:
        required = REQUIRED[self.kind]
        if self.kind is FilingKind.REGISTER and self.incident_id is not None:
            required = ("description",)  # more about a known incident: say what is new
        missing = [name for name in required if getattr(self, name) is None]
        if (
            self.kind in _NEEDS_SEVERITY
            and not (self.kind is FilingKind.REGISTER and self.incident_id is not None)
            and self.severity is None
            and (self.category is not Category.SOCIAL_SAFETY)
        ):
            missing.append("severity")
        if missing:
            raise PydanticCustomError("required_fields", "missing", {"fields": missing})
        if self.occurred_at and self.learned_at and self.learned_at < self.occurred_at:
            raise PydanticCustomError(
                "before_occurred", "learned before occurred", {"field": "learned_at"}
            )
        return self

    def unknown_keys(self) -> list[str]:
        """Top-level keys the contract does not define."""
        return sorted(self.model_extra or {})

    def times(self) -> dict[str, datetime]:
        """The times the body states, by field path, for the not-in-the-future check."""
        found = {"occurred_at": self.occurred_at, "learned_at": self.learned_at}
        for index, entry in enumerate(self.already_reported_to or []):
            found[f"already_reported_to.{index}.at"] = entry.at
        return {path: value for path, value in found.items() if value is not None}


_FIRST_REPORT = ("occurred_at", "category", "title", "location", "description", "reporter")
REQUIRED: dict[FilingKind, tuple[str, ...]] = {
    FilingKind.INITIAL: _FIRST_REPORT,
    FilingKind.PHONE: _FIRST_REPORT,
    FilingKind.REGISTER: ("occurred_at", "category", "title", "description"),
    FilingKind.FOLLOWUP: ("incident_id", "description"),
    FilingKind.FINAL: ("incident_id", "description"),
    FilingKind.UPWARD: ("incident_id", "description"),
    FilingKind.FEEDBACK: ("incident_id", "description"),
}
_NEEDS_SEVERITY = {FilingKind.INITIAL, FilingKind.PHONE, FilingKind.REGISTER}

# What a complete first report carries (DOMAIN.md §5): a phone log with all of it meets K1, and a
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
