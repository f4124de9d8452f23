"""config.toml's problems in words: unknown keys of the pydantic tables, pydantic's errors in our
own terms, and the rules parsers' problems, in the configured language."""

from __future__ import annotations

import re
import typing
from collections.abc import Collection, Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError

from alerts.i18n import LANGUAGES, Translator
from rules.problems import Problem, Problems, join

DEFAULT_LANGUAGE = "zh_CN"

# pydantic's error types → our problem codes (their parameters come from the error's ctx)
_PYDANTIC_CODES = {
    "missing": "required",
    "int_type": "not_integer",
    "int_parsing": "not_integer",
    "int_from_float": "not_integer",
    "float_type": "not_number",
    "float_parsing": "not_number",
    "string_type": "not_string",
    "bool_type": "not_bool",
    "bool_parsing": "not_bool",
    "list_type": "not_list",
    "dict_type": "not_table",
    "model_type": "not_table",
    "model_attributes_type": "not_table",
    "literal_error": "choice",
    "greater_than": "greater_than",
    "greater_than_equal": "at_least",
    "less_than": "less_than",
    "less_than_equal": "at_most",
    "string_too_short": "not_empty",
    "string_pattern_mismatch": "pattern",
    "date_type": "not_date",
    "date_parsing": "not_date",
    "date_from_datetime_parsing": "not_date",
    "time_type": "not_time_of_day",
    "time_parsing": "not_time_of_day",
    "timedelta_type": "not_duration",
    "timedelta_parsing": "not_duration",
    "not_duration": "not_duration",  # raised by our own validators in alerts/config.py
    "not_time_of_day": "not_time_of_day",
    "not_http_url": "not_http_url",
}
_LIMITS = ("gt", "ge", "lt", "le")
_OWN_PREFIX = ("source_", "provider_")  # our own error types: catalogue keys under `config.`


def _own(kind: str) -> str:
    return kind if kind.startswith(_OWN_PREFIX) else "invalid"


def file_language(table: Mapping[str, Any]) -> str:
    """The file's own `language` when it is one we speak, else zh_CN."""
    language = table.get("language")
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def text_language(text: str) -> str:
    """The `language` line of a file that does not parse as TOML, else zh_CN."""
    match = re.search(r'^\s*language\s*=\s*"([A-Za-z_]+)"', text, re.MULTILINE)
    return match.group(1) if match and match.group(1) in LANGUAGES else DEFAULT_LANGUAGE


def unknown_keys(
    table: Mapping[str, Any], model: type[BaseModel], path: str, extra: Collection[str] = ()
) -> list[Problem]:
    """Every key of `table` (and its sub-tables) that `model` does not know, with suggestions;
    fields marked `exclude` are secrets from the environment and never a key of the file."""
    found = Problems()
    _walk(table, model, path, found, extra)
    return found.found


def _walk(
    table: Mapping[str, Any],
    model: type[BaseModel],
    path: str,
    found: Problems,
    extra: Collection[str] = (),
) -> None:
    fields = {name: info for name, info in model.model_fields.items() if not info.exclude}
    found.check_keys(table, [*fields, *extra], path)
    for name, value in table.items():
        if name not in fields:
            continue
        annotation = fields[name].annotation
        if _is_model(annotation) and isinstance(value, Mapping):
            _walk(value, annotation, join(path, name), found)
        item = _list_item(annotation)
        if item is not None and isinstance(value, list):
            for index, row in enumerate(value):
                if isinstance(row, Mapping):
                    _walk(row, item, f"{join(path, name)}[{index}]", found)


def _is_model(annotation: Any) -> typing.TypeGuard[type[BaseModel]]:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _list_item(annotation: Any) -> type[BaseModel] | None:
    if typing.get_origin(annotation) is list:
        (item,) = typing.get_args(annotation)
        return item if _is_model(item) else None
    return None


def validation_problems(error: ValidationError) -> list[Problem]:
    """pydantic's errors as our problems; unknown keys are left to `unknown_keys`."""
    problems = []
    for item in error.errors():
        if item["type"] == "extra_forbidden":
            continue
        ctx = item.get("ctx") or {}
        params = {"value": _shown(item.get("input")), "detail": item["msg"]}
        if "expected" in ctx:
            params["choices"] = str(ctx["expected"])
        if "pattern" in ctx:
            params["pattern"] = str(ctx["pattern"])
        for limit in _LIMITS:
            if limit in ctx:
                params["limit"] = str(ctx[limit])
        if item["type"].startswith(_OWN_PREFIX):  # raised by alerts/sources/settings.py
            params |= {key: str(value) for key, value in ctx.items()}
        code = _PYDANTIC_CODES.get(item["type"], _own(item["type"]))
        problems.append(Problem(_path(item["loc"]), code, params))
    return problems


def _path(loc: Iterable[int | str]) -> str:
    path = ""
    for part in loc:
        path = f"{path}[{part}]" if isinstance(part, int) else join(path, part)
    return path


def _shown(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else repr(value)


def describe(problems: Iterable[Problem], translate: Translator) -> list[str]:
    """One line per problem: its dotted path, what is wrong, and the closest known key."""
    lines = []
    for problem in problems:
        message = translate(f"config.{problem.code}", **problem.params)
        if problem.params.get("suggestion"):
            message += translate("config.did_you_mean", suggestion=problem.params["suggestion"])
        lines.append(f"{problem.path}: {message}")
    return lines
