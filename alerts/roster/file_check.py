"""Checking a month's roster file row by row against the unit's people: the form's columns
(Chinese or English headers, a title row or two above them allowed), each row's date within the
month and once only, and each named person known by name and phone. What stops an import is an
error; a day left out or an empty duty officer or leader on duty cell is a warning."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from alerts.phones import parse_phone, same_phone
from alerts.roster.file_rows import HEADER_SEARCH, Rows, UnreadableFile, cell_text, read_rows
from alerts.roster.months import month_days
from alerts.storage.models import Person, Unit
from rules.roles import DUTY_ROLES, GAP_ROLES

COLUMNS: dict[str, tuple[str, str]] = {  # canonical name: (Chinese header, English header)
    "date": ("日期", "date"),
    "duty_officer": ("值班员", "duty_officer"),
    "duty_officer_phone": ("值班员电话", "duty_officer_phone"),
    "deputy_duty_officer": ("副值班员", "deputy_duty_officer"),
    "deputy_duty_officer_phone": ("副值班员电话", "deputy_duty_officer_phone"),
    "leader_on_duty": ("带班领导", "leader_on_duty"),
    "leader_on_duty_phone": ("带班领导电话", "leader_on_duty_phone"),
}
REQUIRED_COLUMNS = (
    "date",
    *(c for r in GAP_ROLES for c in (r, r + "_phone")),
)
ROLES: tuple[str, ...] = DUTY_ROLES  # in the form's column order
_ALIASES = {_key: name for name, pair in COLUMNS.items() for _key in pair}
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0?0:00(?::00)?)?"
)
_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日?")


@dataclass(frozen=True)
class Problem:
    """One thing wrong (or worth a warning) in a file: row as numbered in the file (None: the
    file as a whole), canonical column name, and a catalogue key under `roster_import.`."""

    row: int | None
    column: str
    code: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RosterDay:
    """One checked row: the day and who holds each role (person ids; a role may be absent)."""

    row: int
    day: date
    people: dict[str, int]


@dataclass
class RosterFile:
    """A month's roster file as read: its days, its errors and its warnings."""

    month: date
    days: list[RosterDay] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)


def _squash(name: str) -> str:
    return re.sub(r"\s+", "", name)  # "王  五": names padded to line up in a printed table


def parse_day(value: object, month: date) -> date | None:
    """A date cell: a spreadsheet date, 2026-11-01, 2026/11/1, 2026年11月1日 or 11月1日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if match := _DATE.fullmatch(text):
        year, month_number, day = int(match[1]), int(match[2]), int(match[3])
    elif match := _MONTH_DAY.fullmatch(text):
        year, month_number, day = month.year, int(match[1]), int(match[2])
    else:
        return None
    try:
        return date(year, month_number, day)
    except ValueError:
        return None


def check_roster(data: bytes, *, month: date, people: Sequence[Person], unit: Unit) -> RosterFile:
    """Read and check a month's roster file against the unit's people; every problem found."""
    checked = RosterFile(month)
    try:
        rows = read_rows(data)
    except UnreadableFile as exc:
        checked.errors.append(Problem(None, "", str(exc)))
        return checked
    _Checker(checked, people, unit).run(rows)
    return checked


class _Checker:
    """Walks a file's rows once, filling a RosterFile."""

    def __init__(self, checked: RosterFile, people: Sequence[Person], unit: Unit) -> None:
        self.checked, self.people, self.unit = checked, people, unit
        self.by_name: dict[str, list[Person]] = {}
        for person in people:
            self.by_name.setdefault(_squash(person.name), []).append(person)
        self.columns: dict[str, int] = {}
        self.seen: dict[date, int] = {}

    def error(self, row: int | None, column: str, code: str, **params: Any) -> None:
        """Note a problem that stops the import."""
        self.checked.errors.append(Problem(row, column, code, params))

    def run(self, rows: Rows) -> None:
        """Find the header, check every row below it, then list the days left out."""
        header = next((n for n, cells in rows[:HEADER_SEARCH] if self._header(n, cells)), None)
        if header is None:
            self.error(rows[0][0] if rows else None, "", "no_header")
            return
        if self.checked.errors:
            return
        for number, cells in rows:
            if number > header:
                self._row(number, cells)
        if not self.seen:
            self.error(None, "date", "no_days")
        elif not self.checked.errors:
            self.checked.warnings.extend(
                Problem(None, "date", "missing_day", {"day": day.isoformat()})
                for day in month_days(self.checked.month)
                if day not in self.seen
            )

    def _header(self, number: int, cells: list[object]) -> bool:
        names = [_ALIASES.get(_header_key(cell)) for cell in cells]
        if len({n for n in names if n is not None}) < 2:
            return False  # a title row, or data
        for index, name in enumerate(names):
            if name in self.columns:
                self.error(number, name, "duplicate_column")
            elif name is not None:
                self.columns[name] = index
        wanted = list(REQUIRED_COLUMNS)
        if {"deputy_duty_officer", "deputy_duty_officer_phone"} & self.columns.keys():
            wanted += ["deputy_duty_officer", "deputy_duty_officer_phone"]
        for name in wanted:
            if name not in self.columns:
                self.error(number, name, "missing_column")
        return True

    def _row(self, number: int, cells: list[object]) -> None:
        values = {name: cells[i] if i < len(cells) else None for name, i in self.columns.items()}
        if not any(cell_text(v) for v in values.values()):
            return  # a row of notes in ignored columns only
        errors_before = len(self.checked.errors)
        day = self._day(number, values["date"])
        people = {
            role: person_id
            for role in ROLES
            if role in self.columns and (person_id := self._person(number, role, values))
        }
        if day is not None and len(self.checked.errors) == errors_before:
            self.checked.days.append(RosterDay(number, day, people))

    def _day(self, number: int, value: object) -> date | None:
        day = parse_day(value, self.checked.month)
        month = self.checked.month
        if day is None:
            code = "not_a_date" if cell_text(value) else "date_missing"
            self.error(number, "date", code, value=cell_text(value))
        elif (day.year, day.month) != (month.year, month.month):
            self.error(number, "date", "outside_month", day=day.isoformat(), month=f"{month:%Y-%m}")
        elif day in self.seen:
            self.error(number, "date", "listed_twice", day=day.isoformat(), first=self.seen[day])
        else:
            self.seen[day] = number
            return day
        return None

    def _person(self, number: int, role: str, values: dict[str, object]) -> int | None:
        name, phone = _squash(cell_text(values[role])), cell_text(values.get(role + "_phone"))
        phone_column = role + "_phone"
        if not name:
            if phone:
                self.error(number, role, "phone_without_name", phone=phone)
            elif role in GAP_ROLES:  # an empty cell for these is worth a warning
                self.checked.warnings.append(Problem(number, role, "nobody", {"role": role}))
            return None
        if not phone:
            self.error(number, phone_column, "phone_missing", name=name)
        elif not _is_phone(phone):
            self.error(number, phone_column, "not_a_phone", value=phone)
        else:
            return self._match(number, role, name, phone)
        return None

    def _match(self, number: int, role: str, name: str, phone: str) -> int | None:
        namesakes = self.by_name.get(name, [])
        for person in namesakes:
            if person.phone and same_phone(person.phone, phone):
                return person.id
        params = {"name": name, "phone": phone, "unit": self.unit.name}
        if namesakes:
            known = ", ".join(p.phone or "—" for p in namesakes)
            self.error(number, role + "_phone", "phone_differs", known=known, **params)
            return None
        owner = next((p for p in self.people if p.phone and same_phone(p.phone, phone)), None)
        if owner is not None:
            self.error(number, role, "phone_of_another", other=owner.name, **params)
        else:
            self.error(number, role, "unknown_person", **params)
        return None


def _header_key(cell: object) -> str:
    text = cell_text(cell).lstrip("\ufeff*").rstrip(":：").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def _is_phone(text: str) -> bool:
    """The filing webhook's rule: a mobile, a landline with its area code, or E.164."""
    return parse_phone(text) is not None
