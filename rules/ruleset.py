"""Parse and validate config.toml's `[rules]` table into a Ruleset; no duration lives in code."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rules.durations import parse_duration, parse_time_of_day
from rules.model import Severity

T = TypeVar("T")

UPWARD_ANCHORS = ("occurrence", "county_receipt")


class RulesetError(ValueError):
    """A bad key in the rules table; `key` is its dotted path in config.toml."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key = key
        self.problem = problem


@dataclass(frozen=True)
class GradeClocks:
    """The clocks that run for one grade."""

    initial: timedelta  # K1, from when the unit learned of it
    upward: timedelta | None  # K4; None: this grade is not reported upward unless sensitive
    followup_every: timedelta | None  # K5 as an interval from the last report …
    followup_daily_at: time | None  # … or as a daily local deadline (the day after the last report)


@dataclass(frozen=True)
class ImpliedGrade:
    """Production-safety figures that imply at least this grade (DOMAIN.md §2)."""

    grade: Severity
    dead: int
    seriously_injured: int


@dataclass(frozen=True)
class Ruleset:
    """Every duration and anchor the clocks use."""

    timezone: ZoneInfo
    grades: Mapping[Severity, GradeClocks]
    upward_counted_from: str
    written_after_phone: timedelta
    change_followup: timedelta
    final_after_handling_finished: timedelta
    raised_grade_grace: timedelta
    concealment_suspected_after: timedelta
    clock_skew: timedelta
    missed_after_days: int
    update_window: timedelta
    update_window_by_subtype: Mapping[str, timedelta]
    ungraded_as: Severity
    sensitive_at_least: Severity
    implied_grades: tuple[ImpliedGrade, ...]


def parse_ruleset(table: Mapping[str, Any], *, timezone: str = "Asia/Shanghai") -> Ruleset:
    """Build a Ruleset from the `[rules]` table; raise RulesetError naming the first bad key."""
    if not isinstance(table, Mapping):
        raise RulesetError("rules", "must be a table")
    try:
        zone = ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise RulesetError("timezone", f"unknown time zone {timezone!r}") from exc
    anchor = _get(table, "upward_counted_from", str, "rules")
    if anchor not in UPWARD_ANCHORS:
        raise RulesetError(
            "rules.upward_counted_from", f"must be one of {', '.join(UPWARD_ANCHORS)}"
        )
    missed_days = _get(table, "missed_after_days", int, "rules")
    if missed_days < 0:
        raise RulesetError("rules.missed_after_days", "must be 0 or more")
    return Ruleset(
        timezone=zone,
        grades=_parse_grades(table),
        upward_counted_from=anchor,
        written_after_phone=_duration(table, "written_after_phone"),
        change_followup=_duration(table, "change_followup"),
        final_after_handling_finished=_duration(table, "final_after_handling_finished"),
        raised_grade_grace=_duration(table, "raised_grade_grace"),
        concealment_suspected_after=_duration(table, "concealment_suspected_after"),
        clock_skew=_duration(table, "clock_skew"),
        missed_after_days=missed_days,
        update_window=_duration(table, "update_window"),
        update_window_by_subtype=_parse_subtype_windows(table),
        ungraded_as=_severity(table, "ungraded_as", "rules"),
        sensitive_at_least=_severity(table, "sensitive_at_least", "rules"),
        implied_grades=_parse_implied_grades(table),
    )


def _parse_grades(table: Mapping[str, Any]) -> dict[Severity, GradeClocks]:
    grades_table = _get(table, "severity", Mapping, "rules")
    unknown = set(grades_table) - {s.value for s in Severity}
    if unknown:
        raise RulesetError(
            f"rules.severity.{sorted(unknown)[0]}", "unknown grade (use I, II, III, IV)"
        )
    grades = {}
    for severity in Severity:
        path = f"rules.severity.{severity.value}"
        clocks = _get(grades_table, severity.value, Mapping, "rules.severity")
        every = _optional(clocks, "followup_every", parse_duration, path)
        daily = _optional(clocks, "followup_daily_at", parse_time_of_day, path)
        if (every is None) == (daily is None):
            raise RulesetError(path, "needs exactly one of followup_every or followup_daily_at")
        grades[severity] = GradeClocks(
            initial=_converted(clocks, "initial", parse_duration, path),
            upward=_optional(clocks, "upward", parse_duration, path),
            followup_every=every,
            followup_daily_at=daily,
        )
    return grades


def _parse_subtype_windows(table: Mapping[str, Any]) -> dict[str, timedelta]:
    windows = table.get("update_window_by_subtype", {})
    if not isinstance(windows, Mapping):
        raise RulesetError("rules.update_window_by_subtype", "must be a table")
    return {
        name: _converted(windows, name, parse_duration, "rules.update_window_by_subtype")
        for name in windows
    }


def _parse_implied_grades(table: Mapping[str, Any]) -> tuple[ImpliedGrade, ...]:
    rows = table.get("implied_grade", [])
    if not isinstance(rows, list):
        raise RulesetError("rules.implied_grade", "must be an array of tables")
    parsed = []
    for index, row in enumerate(rows):
        path = f"rules.implied_grade[{index}]"
        if not isinstance(row, Mapping):
            raise RulesetError(path, "must be a table")
        dead = _get(row, "dead", int, path)
        injured = _get(row, "seriously_injured", int, path)
        if dead < 0 or injured < 0:
            raise RulesetError(path, "figures must be 0 or more")
        parsed.append(ImpliedGrade(_severity(row, "grade", path), dead, injured))
    return tuple(sorted(parsed, key=lambda g: g.grade.rank))


def _duration(table: Mapping[str, Any], key: str) -> timedelta:
    return _converted(table, key, parse_duration, "rules")


def _severity(table: Mapping[str, Any], key: str, path: str) -> Severity:
    return _converted(table, key, Severity, path)


def _converted(table: Mapping[str, Any], key: str, convert: Callable[[Any], T], path: str) -> T:
    value = _optional(table, key, convert, path)
    if value is None:
        raise RulesetError(f"{path}.{key}", "is required")
    return value


def _optional(
    table: Mapping[str, Any], key: str, convert: Callable[[Any], T], path: str
) -> T | None:
    if key not in table:
        return None
    try:
        return convert(table[key])
    except (ValueError, TypeError) as exc:
        raise RulesetError(f"{path}.{key}", str(exc)) from exc


def _get(table: Mapping[str, Any], key: str, kind: type, path: str) -> Any:
    if key not in table:
        raise RulesetError(f"{path}.{key}", "is required")
    value = table[key]
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise RulesetError(f"{path}.{key}", f"must be {_KIND_NAMES.get(kind, kind.__name__)}")
    return value


_KIND_NAMES: dict[type, str] = {str: "a string", int: "a whole number", Mapping: "a table"}
