"""What the domain refuses, free of HTTP: `Refused(code, *fields, **params)` and its kinds.

`code` is a catalogue key under `error.` (or a stable code the catalogue also holds); `fields`
name the offending inputs, each with a catalogue key under `problem.`; `params` fill the
message. Only alerts/api turns a refusal into a status and only alerts/dashboard into a form
error; the kind (Invalid, NotFound, Forbidden, Conflict, and for uploads TooLarge and
Unsupported) is all they need to choose."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FieldProblem:
    """One field and what is wrong with it, as a catalogue key under `problem.`."""

    field: str
    problem: str
    params: dict[str, Any] = dataclasses.field(default_factory=dict)


class Refused(Exception):
    """The domain will not do this; nothing was written. Raise one of the kinds below."""

    def __init__(self, code: str, *fields: FieldProblem, **params: Any) -> None:
        super().__init__(code)
        self.code, self.fields, self.params = code, tuple(fields), params

    @property
    def reason(self) -> str:
        """The most specific catalogue key: the first field's problem, else the code."""
        return self.fields[0].problem if self.fields else self.code


class Invalid(Refused):
    """An input is wrong in itself or against what is recorded; the fields say which."""

    def __init__(self, *fields: FieldProblem, code: str = "invalid", **params: Any) -> None:
        super().__init__(code, *fields, **params)


class NotFound(Refused):
    """What the request names does not exist."""


class Forbidden(Refused):
    """The one asking may not do this (fields may say why)."""

    def __init__(self, *fields: FieldProblem, code: str = "forbidden", **params: Any) -> None:
        super().__init__(code, *fields, **params)


class Conflict(Refused):
    """It contradicts what is already recorded (already decided, already reported, closed)."""


class TooLarge(Refused):
    """An upload is larger than its limit, or holds too many files."""


class Unsupported(Refused):
    """An upload is not of a type read here (or not the type its name says)."""


def invalid(field: str, problem: str, **params: Any) -> Invalid:
    """One field's problem as a refusal."""
    return Invalid(FieldProblem(field, problem, params))


# pydantic's error types as our catalogue keys under `problem.`
_PYDANTIC_PROBLEMS = {
    "missing": "required",
    "string_too_short": "not_empty",
    "string_too_long": "too_long",
    "too_long": "too_long",
    "string_type": "string",
    "int_parsing": "integer",
    "int_type": "integer",
    "int_from_float": "integer",
    "greater_than_equal": "integer",
    "less_than_equal": "at_most",
    "bool_parsing": "bool",
    "bool_type": "bool",
    "datetime_parsing": "time",
    "datetime_type": "time",
    "datetime_from_date_parsing": "time",
    "timezone_aware": "time",
    "model_type": "object",
    "model_attributes_type": "object",
    "dataclass_type": "object",
    "dataclass_exact_type": "object",
    "list_type": "list",
    "tuple_type": "list",
    "enum": "choice",
    "literal_error": "choice",
    "extra_forbidden": "not_allowed_here",
    "unexpected_keyword_argument": "not_allowed_here",
}
_CUSTOM = {  # our own pydantic error types, which are catalogue keys already
    "severity",
    "category",
    "whole_number",
    "loss",
    "phone",
    "before_occurred",
    "time_range",
    "figure_too_big",
    "loss_too_big",
    "phone_or_email",
    "email_address",
}


def problems_from_validation(errors: Iterable[Any]) -> list[FieldProblem]:
    """Turn pydantic's error list into field problems with catalogue keys."""
    problems: list[FieldProblem] = []
    for error in errors:
        kind, ctx = error["type"], error.get("ctx") or {}
        if kind == "required_fields":
            problems.extend(FieldProblem(name, "required") for name in ctx["fields"])
            continue
        path = ".".join(str(part) for part in error["loc"] if part != "body")
        path = ctx.get("field", path) or "body"
        problem = _PYDANTIC_PROBLEMS.get(kind, kind if kind in _CUSTOM else "invalid")
        params = {}
        if problem == "too_long":
            params["max"] = ctx.get("max_length", "")
        if problem == "at_most":
            params["max"] = ctx.get("le", "")
        if problem == "choice":
            params["choices"] = ctx.get("expected", "")
        problems.append(FieldProblem(path, problem, params))
    return problems
