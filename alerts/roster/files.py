"""Month rosters in the form offices keep them: one row per day with the date, the duty officer,
the deputy and the leader on duty, each with a phone; read from CSV (UTF-8 with or without BOM,
or GB18030) or XLSX (the first sheet) (file_rows.py), checked row by row (file_check.py),
imported all or nothing, and written back in the same form from the resolved roster.

Where the form is loose: a day the file leaves out, or an empty duty officer or leader on duty
cell, is a warning (a gap, which the gap alerts also catch), so a roster can be published before
every day is settled; the deputy columns are optional (townships have none); a named person needs
their phone, and both must match one of the unit's people; columns the form does not know (星期,
备注) are ignored; a title row or two above the header is allowed.

An import is audited as one row (alerts/audit.py): each day and role whose holder changed, from
whom to whom, and how many shifts were replaced and stored; a refused file records nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from alerts import audit
from alerts.config import Settings
from alerts.i18n import Translator
from alerts.roster.book import RosterBook
from alerts.roster.file_check import COLUMNS, ROLES, Problem, RosterFile, check_roster
from alerts.roster.file_rows import Format
from alerts.roster.months import day_span, month_days, month_span, parse_month
from alerts.spreadsheets import csv_bytes, xlsx_bytes
from alerts.storage.models import Person, RosterShift, Unit
from alerts.storage.queries.roster import people_by_id

__all__ = [
    "MEDIA_TYPES",
    "Format",
    "ImportResult",
    "column_label",
    "day_span",
    "export_roster",
    "import_roster",
    "month_days",
    "parse_month",
    "report",
    "role_label",
    "roster_rows",
]
MEDIA_TYPES: dict[Format, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the checked file, and shifts removed and stored (0 when refused)."""

    checked: RosterFile
    replaced: int = 0
    stored: int = 0


def import_roster(
    session: Session,
    *,
    settings: Settings,
    unit: Unit,
    month: date,
    data: bytes,
    actor: str,
    now: datetime,
    note: str = "",
) -> ImportResult:
    """Check a month's roster file and, only if nothing is wrong, replace the unit's imported
    shifts starting in that month with one per role per day, audited as `actor`'s at `now`.
    Does not commit."""
    people = session.scalars(select(Person).where(Person.unit_id == unit.id)).all()
    checked = check_roster(data, month=month, people=people, unit=unit)
    if checked.errors:
        return ImportResult(checked)
    # lock the unit row: two imports of one unit's month must not interleave their replacements
    session.execute(select(Unit.id).where(Unit.id == unit.id).with_for_update())
    start, end = month_span(settings, month)
    imported = (
        RosterShift.unit_id == unit.id,
        RosterShift.source == "import",
        RosterShift.starts_at >= start,
        RosterShift.starts_at < end,
    )
    before = session.scalars(select(RosterShift).where(*imported)).all()
    holders = _holders(settings, before)
    removed = session.execute(delete(RosterShift).where(*imported))
    shifts = [
        RosterShift(
            unit_id=unit.id,
            role=role,
            person_id=person_id,
            starts_at=day_span(settings, entry.day)[0],
            ends_at=day_span(settings, entry.day)[1],
            source="import",
            note=note[:200],
        )
        for entry in checked.days
        for role, person_id in entry.people.items()
    ]
    session.add_all(shifts)
    session.flush()
    result = ImportResult(
        checked, replaced=int(getattr(removed, "rowcount", 0)), stored=len(shifts)
    )
    changes = {
        "shifts": {"before": result.replaced, "after": result.stored},
        "note": {"before": None, "after": note[:200]},
        **_changed_holders(holders, _holders(settings, shifts), people),
    }
    ref = f"{unit.code} {month:%Y-%m}"
    audit.record(
        session,
        actor=actor,
        at=now,
        entity="roster_import",
        entity_id=unit.id,
        ref=ref,
        action="import",
        changes=changes,
    )
    return result


def _holders(settings: Settings, shifts: Sequence[RosterShift]) -> dict[str, int]:
    """ "2026-11-03 duty_officer": person id, for each imported shift (by its local day)."""
    zone = settings.rules.timezone
    return {f"{s.starts_at.astimezone(zone):%Y-%m-%d} {s.role}": s.person_id for s in shifts}


def _changed_holders(
    before: dict[str, int], after: dict[str, int], people: Sequence[Person]
) -> dict[str, Any]:
    """Each day and role whose holder changed, from whom to whom ("name #id"; None: nobody)."""
    names = {p.id: p.name for p in people}

    def who(person_id: int | None) -> str | None:
        return None if person_id is None else f"{names.get(person_id, '')} #{person_id}".strip()

    return {
        key: {"before": who(before.get(key)), "after": who(after.get(key))}
        for key in sorted(before.keys() | after.keys())
        if before.get(key) != after.get(key)
    }


def report(problems: Sequence[Problem], translate: Translator) -> list[dict[str, Any]]:
    """Problems as `{"row", "column", "code", "problem"}` in the translator's language."""
    return [
        {"row": p.row, "column": p.column, "code": p.code, "problem": _message(p, translate)}
        for p in problems
    ]


def _message(problem: Problem, translate: Translator) -> str:
    params = {**problem.params, "column": column_label(problem.column, translate)}
    if "role" in params:
        params["role"] = role_label(params["role"], translate)
    return translate(f"roster_import.{problem.code}", **params)


def column_label(column: str, translate: Translator) -> str:
    """A column's header as the configured language writes it."""
    pair = COLUMNS.get(column)
    return column if pair is None else pair[0 if translate.language == "zh_CN" else 1]


def role_label(role: str, translate: Translator) -> str:
    """A duty role's name in the configured language: 值班员, duty officer."""
    return translate(f"role.{role}")


def export_roster(
    session: Session, *, settings: Settings, unit: Unit, month: date, fmt: Format
) -> bytes:
    """The unit's resolved roster for the month in the import form: one row per day naming who
    holds each role at the moment the duty day starts."""
    language = 0 if settings.language == "zh_CN" else 1
    header = [pair[language] for pair in COLUMNS.values()]
    rows = roster_rows(session, settings=settings, unit=unit, month=month)
    return xlsx_bytes(header, rows, f"{month:%Y-%m}") if fmt == "xlsx" else csv_bytes(header, rows)


def roster_rows(
    session: Session, *, settings: Settings, unit: Unit, month: date
) -> list[list[Any]]:
    """[day, name, phone, name, phone, name, phone] per day, roles in COLUMNS order."""
    book = RosterBook(settings)
    start, end = month_span(settings, month)
    shifts = {
        role: book.shifts(session, unit_id=unit.id, role=role, start=start, end=end)
        for role in ROLES
    }
    ids = {s.person for found in shifts.values() for s in found}
    people = people_by_id(session, ids=ids)
    rows: list[list[Any]] = []
    for day in month_days(month):
        moment, row = day_span(settings, day)[0], list[Any]([day])
        for role in ROLES:
            holder = next((s for s in shifts[role] if s.starts_at <= moment < s.ends_at), None)
            person = people.get(holder.person) if holder is not None else None
            row += [person.name, person.phone or ""] if person is not None else ["", ""]
        rows.append(row)
    return rows
