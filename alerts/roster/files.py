"""Month rosters in the form offices keep them: one row per day with the date, the duty officer,
the deputy and the leader on duty, each with a phone; read from CSV (UTF-8 with or without BOM,
or GB18030) or XLSX (the first sheet), checked row by row, imported all or nothing, and written
back in the same form from the resolved roster.

Where the form is loose: a day the file leaves out, or an empty duty officer or leader on duty
cell, is a warning (a gap, which the gap alerts also catch), so a roster can be published before
every day is settled; the deputy columns are optional (townships have none); a named person needs
their phone, and both must match one of the unit's people; columns the form does not know (星期,
备注) are ignored; a title row or two above the header is allowed."""

from __future__ import annotations

import csv
import io
import re
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import openpyxl
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from alerts.config import Settings
from alerts.i18n import Translator
from alerts.phones import parse_phone, same_phone
from alerts.roster.book import RosterBook
from alerts.storage.models import Person, RosterShift, Unit
from rules.roles import DUTY_ROLES, GAP_ROLES

Format = Literal["csv", "xlsx"]
MEDIA_TYPES: dict[Format, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
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
MAX_ROWS = 200  # a month is 31 rows; more is the wrong file
HEADER_SEARCH = 5  # the header may sit below a title row or two
_ALIASES = {_key: name for name, pair in COLUMNS.items() for _key in pair}
_DATE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+0?0:00(?::00)?)?"
)
_MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日?")
_MONTH = re.compile(r"(\d{4})-(\d{2})")

Rows = list[tuple[int, list[object]]]  # (row number as in the file, cells)


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


@dataclass(frozen=True)
class ImportResult:
    """What an import did: the checked file, and shifts removed and stored (0 when refused)."""

    checked: RosterFile
    replaced: int = 0
    stored: int = 0


class UnreadableFile(Exception):
    """The bytes are no roster file; the message is a catalogue key under `roster_import.`."""


def parse_month(text: str | None) -> date | None:
    """`2026-11` → 2026-11-01; None when it is not a month."""
    match = _MONTH.fullmatch((text or "").strip())
    if match is None or not (2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12):
        return None
    return date(int(match[1]), int(match[2]), 1)


def month_days(month: date) -> list[date]:
    """Every day of the month `month` falls in."""
    first = month.replace(day=1)
    following = (first.replace(day=28) + timedelta(days=4)).replace(day=1)
    return [first + timedelta(days=n) for n in range((following - first).days)]


def day_span(settings: Settings, day: date) -> tuple[datetime, datetime]:
    """A duty day: from `day_starts_at` local time on `day` to the same time the next day, UTC."""
    zone, at = settings.rules.timezone, settings.roster.day_starts_at
    start = datetime.combine(day, at, tzinfo=zone)
    end = datetime.combine(day + timedelta(days=1), at, tzinfo=zone)
    return start.astimezone(UTC), end.astimezone(UTC)


def detect_format(data: bytes) -> Format:
    """XLSX is a zip archive; anything else is taken for CSV."""
    return "xlsx" if data.startswith(b"PK\x03\x04") else "csv"


def read_rows(data: bytes) -> Rows:
    """The non-blank rows of a CSV or XLSX file, numbered as in the file; raises UnreadableFile."""
    if not data.strip():
        raise UnreadableFile("empty")
    if data.startswith(b"\xd0\xcf\x11\xe0"):
        raise UnreadableFile("old_xls")
    rows = _xlsx_rows(data) if detect_format(data) == "xlsx" else _csv_rows(data)
    filled = [(number, cells) for number, cells in rows if any(_text(c) for c in cells)]
    if len(filled) > MAX_ROWS + HEADER_SEARCH:
        raise UnreadableFile("too_many_rows")
    return filled


def _csv_rows(data: bytes) -> Rows:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise UnreadableFile("unreadable")
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = next((d for d in ",\t;" if d in first), ",")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return [(reader.line_num, list(cells)) for cells in reader]
    except csv.Error as exc:
        raise UnreadableFile("unreadable") from exc


def _xlsx_rows(data: bytes) -> Rows:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # styles and extensions openpyxl skips do not matter
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # a broken workbook fails in many ways; all mean "unreadable"
        raise UnreadableFile("unreadable") from exc
    try:
        rows: Rows = []
        for number, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            if number <= 10 * MAX_ROWS:
                rows.append((number, list(cells)))
            elif any(_text(c) for c in cells):
                raise UnreadableFile("too_many_rows")
            elif number > 100 * MAX_ROWS:
                break  # formatted empty rows can run to a million
        return rows
    finally:
        book.close()


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed into Excel as a number
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(" ")
    return str(value).strip()


def _squash(name: str) -> str:
    return re.sub(r"\s+", "", name)  # "王  五": names padded to line up in a printed table


def parse_day(value: object, month: date) -> date | None:
    """A date cell: a spreadsheet date, 2026-11-01, 2026/11/1, 2026年11月1日 or 11月1日."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
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
        if not any(_text(v) for v in values.values()):
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
            code = "not_a_date" if _text(value) else "date_missing"
            self.error(number, "date", code, value=_text(value))
        elif (day.year, day.month) != (month.year, month.month):
            self.error(number, "date", "outside_month", day=day.isoformat(), month=f"{month:%Y-%m}")
        elif day in self.seen:
            self.error(number, "date", "listed_twice", day=day.isoformat(), first=self.seen[day])
        else:
            self.seen[day] = number
            return day
        return None

    def _person(self, number: int, role: str, values: dict[str, object]) -> int | None:
        name, phone = _squash(_text(values[role])), _text(values.get(role + "_phone"))
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
    text = _text(cell).lstrip("\ufeff*").rstrip(":：").strip().lower()
    return re.sub(r"[\s\-]+", "_", text)


def _is_phone(text: str) -> bool:
    """The filing webhook's rule: a mobile, a landline with its area code, or E.164."""
    return parse_phone(text) is not None


def import_roster(
    session: Session, *, settings: Settings, unit: Unit, month: date, data: bytes, note: str = ""
) -> ImportResult:
    """Check a month's roster file and, only if nothing is wrong, replace the unit's imported
    shifts starting in that month with one per role per day. Does not commit."""
    people = session.scalars(select(Person).where(Person.unit_id == unit.id)).all()
    checked = check_roster(data, month=month, people=people, unit=unit)
    if checked.errors:
        return ImportResult(checked)
    # lock the unit row: two imports of one unit's month must not interleave their replacements
    session.execute(select(Unit.id).where(Unit.id == unit.id).with_for_update())
    start, end = _month_span(settings, month)
    removed = session.execute(
        delete(RosterShift).where(
            RosterShift.unit_id == unit.id,
            RosterShift.source == "import",
            RosterShift.starts_at >= start,
            RosterShift.starts_at < end,
        )
    )
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
    return ImportResult(checked, replaced=int(getattr(removed, "rowcount", 0)), stored=len(shifts))


def _month_span(settings: Settings, month: date) -> tuple[datetime, datetime]:
    days = month_days(month)
    return day_span(settings, days[0])[0], day_span(settings, days[-1])[1]


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
    return (
        _xlsx_bytes(header, rows, f"{month:%Y-%m}") if fmt == "xlsx" else _csv_bytes(header, rows)
    )


def roster_rows(
    session: Session, *, settings: Settings, unit: Unit, month: date
) -> list[list[Any]]:
    """[day, name, phone, name, phone, name, phone] per day, roles in COLUMNS order."""
    book = RosterBook(settings)
    start, end = _month_span(settings, month)
    shifts = {
        role: book.shifts(session, unit_id=unit.id, role=role, start=start, end=end)
        for role in ROLES
    }
    ids = {s.person for found in shifts.values() for s in found}
    people = {p.id: p for p in session.scalars(select(Person).where(Person.id.in_(ids)))}
    rows: list[list[Any]] = []
    for day in month_days(month):
        moment, row = day_span(settings, day)[0], list[Any]([day])
        for role in ROLES:
            holder = next((s for s in shifts[role] if s.starts_at <= moment < s.ends_at), None)
            person = people.get(holder.person) if holder is not None else None
            row += [person.name, person.phone or ""] if person is not None else ["", ""]
        rows.append(row)
    return rows


def _csv_bytes(header: list[str], rows: list[list[Any]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows([[c.isoformat() if isinstance(c, date) else c for c in r] for r in rows])
    return buffer.getvalue().encode("utf-8-sig")  # the BOM tells Excel it is UTF-8


def _xlsx_bytes(header: list[str], rows: list[list[Any]], title: str) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    sheet.append(header)
    for row in rows:
        sheet.append(row)
        sheet.cell(row=sheet.max_row, column=1).number_format = "yyyy-mm-dd"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
