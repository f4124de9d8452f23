"""FilingIn: the webhook body of CONTRACT.md §2. Its fields follow the rules of DOMAIN.md §5,
which live with the report intake takes (alerts/filing/report.py); the parts of a body
(location, casualties, reporter, who was told) are the report's own."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictBool, model_validator
from pydantic_core import PydanticCustomError

from alerts.api.bounds import RowId, WireTime
from alerts.filing.report import (
    MAX_REPORTED_TO,
    Casualties,
    CategoryIn,
    Location,
    Loss,
    Report,
    ReportedTo,
    Reporter,
    SeverityIn,
    ShortText,
    Text,
    Title,
    learned_before_occurred,
    missing_fields,
    read_report,
)
from rules.model import FilingKind


class FilingIn(BaseModel):
    """A report as posted. Unknown top-level keys are ignored and named in the warnings."""

    model_config = ConfigDict(extra="allow", frozen=True)

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
    already_reported_to: list[ReportedTo] | None = Field(default=None, max_length=MAX_REPORTED_TO)
    signed_by: ShortText | None = None
    reporter: Reporter | None = None
    handling_finished: StrictBool = False
    material_change: StrictBool = False

    @model_validator(mode="after")
    def _required_for_kind(self) -> FilingIn:
        missing = missing_fields(self)  # the domain's rule, here so schema errors come first
        if missing:
            raise PydanticCustomError("required_fields", "missing", {"fields": missing})
        if learned_before_occurred(self):
            raise PydanticCustomError(
                "before_occurred", "learned before occurred", {"field": "learned_at"}
            )
        return self

    def unknown_keys(self) -> list[str]:
        """Top-level keys the contract does not define."""
        return sorted(self.model_extra or {})

    def to_report(self) -> Report:
        """The report intake takes; the keys it ignores named in it."""
        ignored = self.unknown_keys()
        return read_report(self.model_dump(exclude=set(ignored)), ignored_keys=tuple(ignored))
