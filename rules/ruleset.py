"""Parse and validate config.toml's `[rules]` table into a Ruleset; no duration lives in code."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from rules.chain import ChainRules
from rules.durations import parse_duration, parse_time_of_day
from rules.instructions import InstructionClocks
from rules.model import Severity
from rules.problems import Problems, RulesetError

__all__ = ["GradeClocks", "ImpliedGrade", "Ruleset", "RulesetError", "parse_ruleset"]

UPWARD_ANCHORS = ("occurrence", "county_receipt")

# The keys each table may hold, one a line so adding one is a one-line change.
RULES_KEYS = (
    "upward_counted_from",
    "written_after_phone",
    "change_followup",
    "final_after_handling_finished",
    "raised_grade_grace",
    "concealment_suspected_after",
    "clock_skew",
    "missed_after_days",
    "update_window",
    "update_window_by_subtype",  # its own keys are subtypes, free names
    "ungraded_as",
    "sensitive_at_least",
    "severity",  # [rules.severity.I] … [rules.severity.IV]
    "implied_grade",
    "instructions",  # [rules.instructions]: K9–K11 and verification
    "chain",  # [rules.chain]: who is above the office, and lawful level-skips
)
CHAIN_KEYS = (
    "higher_offices",
    "simultaneous",
)
INSTRUCTION_KEYS = (
    "relay",
    "acknowledge",
    "feedback",
    "verify",
)
GRADE_KEYS = (
    "initial",
    "upward",
    "followup_every",
    "followup_daily_at",
)
IMPLIED_GRADE_KEYS = (
    "grade",
    "dead",
    "seriously_injured",
)
DURATION_KEYS = (
    "written_after_phone",
    "change_followup",
    "final_after_handling_finished",
    "raised_grade_grace",
    "concealment_suspected_after",
    "clock_skew",
    "update_window",
)


@dataclass(frozen=True)
class GradeClocks:
    """The clocks that run for one grade."""

    initial: timedelta  # K1, from when the unit learned of it
    upward: timedelta | None  # K4; None: this grade is not reported upward unless sensitive
    followup_every: timedelta | None  # K5 as an interval from the last report …
    followup_daily_at: time | None  # … or as a daily local deadline (the day after the last report)


@dataclass(frozen=True)
class ImpliedGrade:
    """Production-safety figures that imply at least this grade (docs/rules.md)."""

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
    instructions: InstructionClocks
    chain: ChainRules


def parse_ruleset(table: Mapping[str, Any], *, timezone: str = "Asia/Shanghai") -> Ruleset:
    """Build a Ruleset from the `[rules]` table; raise RulesetError naming every bad key."""
    found = Problems()
    if not isinstance(table, Mapping):
        found.add("rules", "not_table")
        found.raise_any()
    found.check_keys(table, RULES_KEYS, "rules")
    zone = found.value(timezone, _zone, "timezone", "unknown_timezone")
    anchor = found.get(table, "upward_counted_from", str, "rules")
    if anchor is not None and anchor not in UPWARD_ANCHORS:
        found.add("rules.upward_counted_from", "choice", choices=", ".join(UPWARD_ANCHORS))
    missed_days = found.get(table, "missed_after_days", int, "rules")
    if missed_days is not None and missed_days < 0:
        found.add("rules.missed_after_days", "at_least_zero")
    durations = {key: _duration(table, key, "rules", found) for key in DURATION_KEYS}
    ruleset = Ruleset(
        timezone=zone,  # type: ignore[arg-type]  # None only with a problem noted
        grades=_parse_grades(table, found),
        upward_counted_from=anchor,
        missed_after_days=missed_days,
        update_window_by_subtype=_parse_subtype_windows(table, found),
        ungraded_as=_severity(table, "ungraded_as", "rules", found),
        sensitive_at_least=_severity(table, "sensitive_at_least", "rules", found),
        implied_grades=_parse_implied_grades(table, found),
        instructions=parse_instruction_clocks(table, found),
        chain=_parse_chain(table, found),
        **durations,
    )
    found.raise_any()
    return ruleset


def _parse_grades(table: Mapping[str, Any], found: Problems) -> dict[Severity, GradeClocks]:
    grades_table = found.get(table, "severity", Mapping, "rules")
    if grades_table is None:
        return {}
    for name in grades_table:
        if name not in {s.value for s in Severity}:
            found.add(f"rules.severity.{name}", "unknown_grade")
    grades = {}
    for severity in Severity:
        path = f"rules.severity.{severity.value}"
        clocks = found.get(grades_table, severity.value, Mapping, "rules.severity")
        if clocks is None:
            continue
        found.check_keys(clocks, GRADE_KEYS, path)
        every = found.optional(clocks, "followup_every", parse_duration, path, "not_duration")
        daily = found.optional(
            clocks, "followup_daily_at", parse_time_of_day, path, "not_time_of_day"
        )
        if ("followup_every" in clocks) == ("followup_daily_at" in clocks):
            found.add(path, "one_followup_clock")
        grades[severity] = GradeClocks(
            initial=found.converted(clocks, "initial", parse_duration, path, "not_duration"),
            upward=found.optional(clocks, "upward", parse_duration, path, "not_duration"),
            followup_every=every,
            followup_daily_at=daily,
        )
    return grades


def parse_instruction_clocks(table: Mapping[str, Any], found: Problems) -> InstructionClocks:
    """`[rules.instructions]`: every key required, as in the rest of `[rules]`."""
    path = "rules.instructions"
    clocks = found.get(table, "instructions", Mapping, "rules")
    if clocks is None:
        return InstructionClocks()
    found.check_keys(clocks, INSTRUCTION_KEYS, path)
    values = {key: _duration(clocks, key, path, found) for key in INSTRUCTION_KEYS}
    for key, value in values.items():
        if value is not None and value <= timedelta(0):
            found.add(f"{path}.{key}", "more_than_zero")
    return InstructionClocks(**values)


def _parse_chain(table: Mapping[str, Any], found: Problems) -> ChainRules:
    """`[rules.chain]`: a list of names above the office, and the lawful-skip window."""
    path = "rules.chain"
    chain = found.get(table, "chain", Mapping, "rules")
    if chain is None:
        return ChainRules()
    found.check_keys(chain, CHAIN_KEYS, path)
    names = chain.get("higher_offices")
    if names is None:
        found.add(f"{path}.higher_offices", "required")
    elif not isinstance(names, list) or not all(isinstance(n, str) and n.strip() for n in names):
        found.add(f"{path}.higher_offices", "names")
        names = None
    simultaneous = _duration(chain, "simultaneous", path, found)
    return ChainRules(
        higher_offices=tuple("".join(n.split()) for n in names or ()),
        simultaneous=simultaneous or timedelta(0),
    )


def _parse_subtype_windows(table: Mapping[str, Any], found: Problems) -> dict[str, timedelta]:
    path = "rules.update_window_by_subtype"
    windows = table.get("update_window_by_subtype", {})
    if not isinstance(windows, Mapping):
        found.add(path, "not_table")
        return {}
    return {name: _duration(windows, name, path, found) for name in windows}


def _parse_implied_grades(table: Mapping[str, Any], found: Problems) -> tuple[ImpliedGrade, ...]:
    rows = table.get("implied_grade", [])
    if not isinstance(rows, list):
        found.add("rules.implied_grade", "not_array_of_tables")
        return ()
    parsed = []
    for index, row in enumerate(rows):
        path = f"rules.implied_grade[{index}]"
        if not isinstance(row, Mapping):
            found.add(path, "not_table")
            continue
        found.check_keys(row, IMPLIED_GRADE_KEYS, path)
        dead = found.get(row, "dead", int, path)
        injured = found.get(row, "seriously_injured", int, path)
        if (dead is not None and dead < 0) or (injured is not None and injured < 0):
            found.add(path, "figures_at_least_zero")
        grade = _severity(row, "grade", path, found)
        if grade is not None:
            parsed.append(ImpliedGrade(grade, dead, injured))
    return tuple(sorted(parsed, key=lambda g: g.grade.rank))


def _duration(table: Mapping[str, Any], key: str, path: str, found: Problems) -> timedelta:
    return found.converted(table, key, parse_duration, path, "not_duration")


def _severity(table: Mapping[str, Any], key: str, path: str, found: Problems) -> Severity:
    return found.converted(table, key, Severity, path, "unknown_grade")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except ZoneInfoNotFoundError as exc:  # a KeyError, which the readers do not catch
        raise ValueError(name) from exc
