"""What a bulletin says: its period, number and every unit's line, whether a draft from the live
records or a published one from what was frozen; shared by the page, the XLSX, the PDF and the
email."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from alerts.records.unit_records import unit_records
from alerts.roster.access import units_in_view
from alerts.storage import models as m
from rules import compliance as c
from rules.bulletins import Kind, Period, parse

# the columns of DOMAIN §6's bulletin, in order; `confirmed_findings` is what the score counts
COLUMNS = (
    "unit",
    "incidents",
    "on_time",
    "late",
    "missed",
    "after_chasing",
    "overdue_followups",
    "overdue_feedback",
    "confirmed_findings",
    "score",
)
FINDINGS = ("missed", "concealed", "under_graded", "chain_breaches")


@dataclass(frozen=True)
class Bulletin:
    """A bulletin, draft (`number` None) or published."""

    office: m.Unit
    period: Period
    rows: list[dict[str, Any]]
    number: int | None = None
    published_at: datetime | None = None
    published_by: str = ""
    id: int | None = None

    @property
    def year(self) -> int:
        return self.period.first.year

    def cell(self, row: dict[str, Any], column: str) -> Any:
        """A row's value for a column (the unit by its name)."""
        return row["name"] if column == "unit" else row.get(column, 0)


def period_of(kind: str, key: str) -> Period | None:
    """The period a kind and key name; None when they name none."""
    try:
        return parse(Kind(kind), key)
    except ValueError:
        return None


def draft(
    session: Session, office: m.Unit, period: Period, now: datetime, zone: ZoneInfo
) -> Bulletin:
    """The bulletin as the records stand at `now`: the office and every unit reporting to it,
    the records page's units and figures for the same days."""
    units = sorted(
        units_in_view(session, unit=office, for_office=True), key=lambda u: not u.is_office
    )
    span = c.Period(_moment(period.first, zone), _moment(period.end, zone))
    return Bulletin(
        office, period, [line(r.unit, r.record) for r in unit_records(session, units, span, now)]
    )


def published(session: Session, row: m.Bulletin) -> Bulletin:
    """A published bulletin as it was frozen."""
    office = session.get(m.Unit, row.office_id)
    period = period_of(row.kind, row.period)
    assert office is not None and period is not None
    return Bulletin(
        office,
        period,
        list(row.rows),
        number=row.number,
        published_at=row.published_at,
        published_by=row.published_by,
        id=row.id,
    )


def line(unit: m.Unit, record: c.UnitRecord) -> dict[str, Any]:
    """A unit's line: its code and name, every field of its record, its confirmed findings."""
    fields = asdict(record)
    fields.pop("unit")
    return {
        "code": unit.code,
        "name": unit.name,
        **fields,
        "confirmed_findings": sum(fields[f] for f in FINDINGS),
    }


def _moment(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)
