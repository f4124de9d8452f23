"""The county knows first (DOMAIN §1, C1): a unit must not report to anyone above the county
offices before the county has its report. A level-skip (越级上报) with a stated reason is lawful
when the county was told at the same time, within `rules.chain.simultaneous`."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

ABOVE_LEVELS = frozenset({"city", "province"})
NOT_ABOVE_LEVELS = frozenset({"county", "other"})


@dataclass(frozen=True)
class ChainRules:
    """What counts as above the office, and how close a lawful level-skip must tell the county."""

    higher_offices: tuple[str, ...] = ()  # names that are above the office (matched within `to`)
    simultaneous: timedelta = timedelta(0)


@dataclass(frozen=True)
class ReportAbove:
    """A report the unit says it made to a level above the office; `reason` when it says why
    it skipped the county (越级上报)."""

    at: datetime
    reason: str | None = None


def is_above(to: str, level: str | None, higher_names: Iterable[str]) -> bool:
    """Whether an `already_reported_to` entry went above the office: its `level` when stated,
    else its name containing a name of the office's ancestors or of `rules.chain.higher_offices`."""
    if level in ABOVE_LEVELS:
        return True
    if level in NOT_ABOVE_LEVELS:
        return False
    name = "".join(to.split())
    return any(higher and higher in name for higher in higher_names)


def breaches_chain(
    reports: Iterable[ReportAbove], county_first_knew: datetime, rules: ChainRules
) -> bool:
    """Whether any report above came before the county had the unit's first report, and is not
    a lawful level-skip (a reason, and the county told within `rules.simultaneous`)."""
    for report in reports:
        if report.at >= county_first_knew:
            continue
        if report.reason and county_first_knew - report.at <= rules.simultaneous:
            continue
        return True
    return False
