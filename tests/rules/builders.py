"""Plain builders for rules-engine tests: a ruleset from the shipped config.toml, local times on
2026-11-21 in Asia/Shanghai, and `Filing`s with sensible defaults and fresh ids.

Nothing here is a fixture: call the functions directly from a test."""

from __future__ import annotations

import copy
import functools
import itertools
import tomllib
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from rules.model import (
    Assessment,
    Casualties,
    Category,
    Chase,
    Filing,
    FilingKind,
    Incident,
    Obligation,
    Party,
    Severity,
    Waiver,
)
from rules.obligations import assess
from rules.ruleset import Ruleset, parse_ruleset

CONFIG_PATH = Path(__file__).resolve().parents[2] / "config.toml"
TZ = ZoneInfo("Asia/Shanghai")
UNIT = "B"  # the township that owns the incidents built here
OFFICE = "COUNTY"  # the county office running the service

_ids = itertools.count(1)
_UNSET: Any = object()  # "use the default"; None is a meaningful value for many fields


# -- ruleset ------------------------------------------------------------------------------------
def config() -> dict[str, Any]:
    """The whole shipped config.toml, freshly parsed (safe to mutate)."""
    with CONFIG_PATH.open("rb") as handle:
        return tomllib.load(handle)


def rules_table(**overrides: Any) -> dict[str, Any]:
    """A deep copy of the shipped `[rules]` table with top-level keys replaced."""
    table = copy.deepcopy(config()["rules"])
    table.update(overrides)
    return table


def with_key(table: Mapping[str, Any], dotted: str, value: Any) -> dict[str, Any]:
    """A copy of `table` with the key at `dotted` (e.g. "severity.III.initial") set to `value`."""
    result = copy.deepcopy(dict(table))
    *parents, last = dotted.split(".")
    node = result
    for part in parents:
        node = node[part]
    node[last] = value
    return result


def without_key(table: Mapping[str, Any], dotted: str) -> dict[str, Any]:
    """A copy of `table` with the key at `dotted` removed."""
    result = copy.deepcopy(dict(table))
    *parents, last = dotted.split(".")
    node = result
    for part in parents:
        node = node[part]
    del node[last]
    return result


def ruleset(*, timezone: str | None = None, **overrides: Any) -> Ruleset:
    """The shipped ruleset, with top-level `[rules]` keys overridden."""
    if timezone is None and not overrides:
        return _shipped()
    cfg = config()
    return parse_ruleset(rules_table(**overrides), timezone=timezone or cfg["timezone"])


@functools.cache
def _shipped() -> Ruleset:
    cfg = config()
    return parse_ruleset(cfg["rules"], timezone=cfg["timezone"])


# -- time ---------------------------------------------------------------------------------------
def at(hh: int, mm: int = 0, day: int = 21, ss: int = 0) -> datetime:
    """An aware local time (Asia/Shanghai, UTC+8) in November 2026; day 21 unless told."""
    return datetime(2026, 11, day, hh, mm, ss, tzinfo=TZ)


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def hours(n: float) -> timedelta:
    return timedelta(hours=n)


# -- filings ------------------------------------------------------------------------------------
def next_id() -> int:
    return next(_ids)


def casualties(dead: int | str = 0, **others: int | str) -> Casualties:
    return Casualties(dead=dead, **others)


def filing(kind: FilingKind, party: Party, received_at: datetime, **fields: Any) -> Filing:
    """Any filing; `id` is fresh unless given."""
    fields.setdefault("id", next_id())
    return Filing(kind=kind, party=party, received_at=received_at, **fields)


def _report(
    kind: FilingKind,
    party: Party,
    received_at: datetime,
    *,
    occurred_at: datetime | None,
    learned_at: datetime | None,
    category: Category | None,
    severity: Severity | None,
    **fields: Any,
) -> Filing:
    return filing(
        kind,
        party,
        received_at,
        occurred_at=occurred_at,
        learned_at=learned_at,
        category=category,
        severity=severity,
        **fields,
    )


def unit_initial(
    received_at: datetime,
    *,
    occurred_at: datetime | None = _UNSET,
    learned_at: datetime | None = _UNSET,
    category: Category | None = Category.ACCIDENT,
    severity: Severity | None = Severity.III,
    sensitive: bool | None = False,
    **fields: Any,
) -> Filing:
    """The unit's written initial report (首报). occurred_at defaults to 08:00 on the same day
    (or received_at when that is earlier); learned_at defaults to occurred_at."""
    if occurred_at is _UNSET:
        occurred_at = min(received_at, at(8, 0, day=received_at.astimezone(TZ).day))
    if learned_at is _UNSET:
        learned_at = occurred_at
    return _report(
        FilingKind.INITIAL,
        Party.UNIT,
        received_at,
        occurred_at=occurred_at,
        learned_at=learned_at,
        category=category,
        severity=severity,
        sensitive=sensitive,
        **fields,
    )


def phone(
    received_at: datetime,
    *,
    complete: bool = True,
    occurred_at: datetime | None = _UNSET,
    learned_at: datetime | None = _UNSET,
    category: Category | None = Category.ACCIDENT,
    severity: Severity | None = Severity.III,
    **fields: Any,
) -> Filing:
    """A phone log (电话报告) of the unit's report, taken by the duty room."""
    if occurred_at is _UNSET:
        occurred_at = min(received_at, at(8, 0, day=received_at.astimezone(TZ).day))
    if learned_at is _UNSET:
        learned_at = occurred_at
    return _report(
        FilingKind.PHONE,
        Party.UNIT,
        received_at,
        occurred_at=occurred_at,
        learned_at=learned_at,
        category=category,
        severity=severity,
        complete=complete,
        **fields,
    )


def unit_followup(received_at: datetime, **fields: Any) -> Filing:
    """The unit's follow-up (续报); states nothing new unless told."""
    return filing(FilingKind.FOLLOWUP, Party.UNIT, received_at, **fields)


def unit_final(received_at: datetime, **fields: Any) -> Filing:
    """The unit's final report (终报)."""
    return filing(FilingKind.FINAL, Party.UNIT, received_at, **fields)


def upward(received_at: datetime, **fields: Any) -> Filing:
    """The office's report to the city (K4)."""
    return filing(FilingKind.UPWARD, Party.OFFICE, received_at, **fields)


def office_followup(received_at: datetime, **fields: Any) -> Filing:
    """The office's follow-up to the city."""
    return filing(FilingKind.FOLLOWUP, Party.OFFICE, received_at, **fields)


def office_final(received_at: datetime, **fields: Any) -> Filing:
    """The office's final report to the city."""
    return filing(FilingKind.FINAL, Party.OFFICE, received_at, **fields)


def register(
    received_at: datetime,
    *,
    occurred_at: datetime | None = None,
    category: Category | None = None,
    severity: Severity | None = None,
    **fields: Any,
) -> Filing:
    """The office registers (登记) an incident or a change it learned of elsewhere."""
    return filing(
        FilingKind.REGISTER,
        Party.OFFICE,
        received_at,
        occurred_at=occurred_at,
        category=category,
        severity=severity,
        **fields,
    )


# -- incidents and assessments ------------------------------------------------------------------
def incident(
    *filings: Filing,
    waivers: Iterable[Waiver] = (),
    chases: Iterable[Chase] = (),
    unit: str = UNIT,
    office: str = OFFICE,
) -> Incident:
    return Incident(
        unit=unit,
        office=office,
        filings=tuple(filings),
        waivers=tuple(waivers),
        chases=tuple(chases),
    )


def assess_at(
    now: datetime,
    *filings: Filing,
    rules: Ruleset | None = None,
    waivers: Iterable[Waiver] = (),
    chases: Iterable[Chase] = (),
    unit: str = UNIT,
    office: str = OFFICE,
) -> Assessment:
    """Assess an incident of `filings` at `now` under `rules` (the shipped ruleset by default)."""
    return assess(
        incident(*filings, waivers=waivers, chases=chases, unit=unit, office=office),
        rules or ruleset(),
        now,
    )


def obligation(assessment: Assessment, key: str) -> Obligation:
    """The obligation with `key`; fails the test with the keys present when it is absent."""
    found = assessment.obligation(key)
    assert found is not None, f"no obligation {key!r}; have {keys(assessment)}"
    return found


def keys(assessment: Assessment) -> list[str]:
    return [o.key for o in assessment.obligations]


def flag_codes(assessment: Assessment) -> list[str]:
    return [f.code for f in assessment.flags]
