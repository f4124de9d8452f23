"""The `[[sources]]` tables of config.toml: a system that posts alerts, the unit its
registrations name, and where each field of a registration comes from.

Checked strictly at start-up with the rest of the file (alerts/config.py): unknown keys, paths
and templates that cannot be read, categories, grades and statuses that are not ours. Only the
unit is checked when alerts arrive, because units live in the database."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from rules.model import Category, Severity

ALERTMANAGER = "alertmanager"
CATEGORIES = tuple(c.value for c in Category)
GRADES = tuple(s.value for s in Severity)
STATUSES = ("firing", "resolved")
# fields an Alertmanager alert has by its format, which its [[sources]] table may not remap
FIXED_BY_ALERTMANAGER = ("items", "fingerprint", "status", "starts_at")
_PATH = re.compile(r"[^.\s{}]+(?:\.[^.\s{}]+)*")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def placeholders(template: str) -> list[str]:
    """The paths a template's `{…}` placeholders name, in order."""
    return _PLACEHOLDER.findall(template)


def _problem(code: str, **context: Any) -> PydanticCustomError:
    return PydanticCustomError(code, code, {k: str(v) for k, v in context.items()})


class FieldMap(BaseModel):
    """Where one field comes from: the first of `path` (dotted, into the alert:
    `labels.severity`) that the alert holds, or `template` with `{path}` placeholders; through
    `values` when given (a value not in it counts as absent); else `default`. A table with none
    of path, template and default leaves the field unmapped."""

    model_config = ConfigDict(extra="forbid")
    path: list[str] = []
    template: str = ""
    values: dict[str, str] = {}
    default: str = ""

    @field_validator("path", mode="before")
    @classmethod
    def _one_or_more(cls, value: object) -> object:
        return [value] if isinstance(value, str) else value

    @field_validator("path")
    @classmethod
    def _dotted(cls, paths: list[str]) -> list[str]:
        for path in paths:
            if not _PATH.fullmatch(path):
                raise _problem("source_path", value=path)
        return paths

    @field_validator("template")
    @classmethod
    def _readable(cls, template: str) -> str:
        named = placeholders(template)
        stray = _PLACEHOLDER.sub("", template)
        if template and (not named or "{" in stray or "}" in stray):
            raise _problem("source_template", value=template)
        for path in named:
            if not _PATH.fullmatch(path):
                raise _problem("source_path", value=path)
        return template

    @model_validator(mode="after")
    def _one_way(self) -> FieldMap:
        if self.path and self.template:
            raise _problem("source_path_and_template")
        return self

    @property
    def mapped(self) -> bool:
        """Whether the table says where the field comes from at all."""
        return bool(self.path or self.template or self.default)

    def targets(self) -> list[str]:
        """Every value this mapping can yield without the alert's own: `values` and `default`."""
        return [*self.values.values(), *([self.default] if self.default else [])]


class LocationMap(BaseModel):
    """The location (area and address): both mapped, or neither."""

    model_config = ConfigDict(extra="forbid")
    area: FieldMap = Field(default_factory=FieldMap)
    address: FieldMap = Field(default_factory=FieldMap)

    @model_validator(mode="after")
    def _both(self) -> LocationMap:
        if self.area.mapped != self.address.mapped:
            raise _problem("source_location")
        return self


def _choices(mapping: FieldMap, choices: tuple[str, ...]) -> FieldMap:
    if not mapping.mapped:
        raise _problem("source_unmapped")
    for value in mapping.targets():
        if value not in choices:
            raise _problem("source_choice", value=value, choices=", ".join(choices))
    return mapping


class SourceConfig(BaseModel):
    """One `[[sources]]` table: alerts posted to /api/v1/sources/NAME become registrations by
    the office for `unit`. `kind` says how the body reads: Alertmanager's webhook (version 4),
    or JSON (an object, an array of them, or the array at `items`)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(pattern=r"^[a-z0-9_-]{1,40}$")
    kind: Literal["alertmanager", "json"]
    unit: str = Field(min_length=1, max_length=64)
    items: str = ""
    fingerprint: FieldMap = Field(default_factory=FieldMap)
    status: FieldMap = Field(default_factory=FieldMap)
    starts_at: FieldMap = Field(default_factory=FieldMap)
    title: FieldMap = Field(default_factory=FieldMap)
    description: FieldMap = Field(default_factory=FieldMap)
    category: FieldMap
    severity: FieldMap
    location: LocationMap = Field(default_factory=LocationMap)

    @field_validator("items")
    @classmethod
    def _items(cls, items: str) -> str:
        if items and not _PATH.fullmatch(items):
            raise _problem("source_path", value=items)
        return items

    @field_validator("category")
    @classmethod
    def _category(cls, mapping: FieldMap) -> FieldMap:
        return _choices(mapping, CATEGORIES)

    @field_validator("severity")
    @classmethod
    def _severity(cls, mapping: FieldMap) -> FieldMap:
        return _choices(mapping, GRADES)

    @field_validator("status")
    @classmethod
    def _status(cls, mapping: FieldMap) -> FieldMap:
        return _choices(mapping, STATUSES) if mapping.mapped else mapping

    @model_validator(mode="after")
    def _fits_its_kind(self) -> SourceConfig:
        if self.kind == ALERTMANAGER:
            for name in FIXED_BY_ALERTMANAGER:
                if getattr(self, name) not in ("", FieldMap()):
                    raise _problem("source_fixed_by_format", field=name)
            return self
        if self.name == ALERTMANAGER:
            raise _problem("source_alertmanager_name")
        for name in ("fingerprint", "title"):
            if not getattr(self, name).mapped:
                raise _problem("source_json_needs", field=name)
        return self


def duplicate_names(sources: list[SourceConfig]) -> list[SourceConfig]:
    """Refuse two `[[sources]]` tables of one name (a field validator of the settings)."""
    names = [source.name for source in sources]
    for name in names:
        if names.count(name) > 1:
            raise _problem("source_duplicate", value=name)
    return sources
