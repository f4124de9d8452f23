"""Builders for roster-file tests: the people of a township, month rosters as CSV or XLSX bytes
built in the test, and a look at who the stored roster says is on duty."""

from __future__ import annotations

import contextlib
import csv
import io
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import openpyxl
from sqlalchemy import func, select

from alerts.config import Settings
from alerts.roster.book import RosterBook
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.models import Person, RosterShift
from alerts.storage.queries import unit_by_code
from tests.builders import CST

ZH_HEADER = ["日期", "值班员", "值班员电话", "副值班员", "副值班员电话", "带班领导", "带班领导电话"]
EN_HEADER = [
    "date",
    "duty_officer",
    "duty_officer_phone",
    "deputy_duty_officer",
    "deputy_duty_officer_phone",
    "leader_on_duty",
    "leader_on_duty_phone",
]
# The township qdh's people: two duty officers, a deputy and two leaders who take turns by day.
OFFICERS = (("张值班", "13900000101"), ("陈值班", "13900000102"))
DEPUTY = ("林副值", "13900000103")
LEADERS = (("刘带班", "13900000104"), ("黄带班", "13900000105"))
STRANGER = ("钱路人", "13900000199")  # a person of another unit (wsh)


def add_people(database_url: str) -> dict[str, int]:
    """qdh's officers, deputy and leaders, and one person of wsh; ids by name."""
    engine = make_engine(database_url)
    ids: dict[str, int] = {}
    now = datetime(2026, 10, 1, tzinfo=CST)
    with make_session_factory(engine)() as session:
        entries = [("qdh", p) for p in (*OFFICERS, DEPUTY, *LEADERS)] + [("wsh", STRANGER)]
        for code, (name, phone) in entries:
            unit = unit_by_code(session, code=code)
            assert unit is not None
            person = Person(unit_id=unit.id, name=name, phone=phone, created_at=now)
            session.add(person)
            session.flush()
            ids[name] = person.id
        session.commit()
    engine.dispose()
    return ids


def month_rows(month: date = date(2026, 11, 1), days: int = 30) -> list[list[Any]]:
    """A full month: officers alternate by day, the deputy every day, leaders alternate too."""
    rows: list[list[Any]] = []
    for n in range(days):
        officer, leader = OFFICERS[n % 2], LEADERS[n % 2]
        day = month + timedelta(days=n)
        rows.append([day.isoformat(), *officer, *DEPUTY, *leader])
    return rows


def csv_file(
    rows: Sequence[Sequence[Any]],
    *,
    header: Sequence[str] = ZH_HEADER,
    encoding: str = "utf-8-sig",
    above: Sequence[Sequence[str]] = (),
) -> bytes:
    """A CSV file as an office's spreadsheet would save it."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([*above, header, *rows])
    return buffer.getvalue().encode(encoding)


def xlsx_file(
    rows: Sequence[Sequence[Any]],
    *,
    header: Sequence[str] = ZH_HEADER,
    above: Sequence[Sequence[str]] = (),
) -> bytes:
    """An XLSX workbook: dates as date cells, phones as numbers, as people type them."""
    book = openpyxl.Workbook()
    sheet = book.active
    for line in [*above, header]:
        sheet.append(list(line))
    for row in rows:
        cells = list(row)
        with contextlib.suppress(TypeError, ValueError):  # a bad date stays text, as typed
            cells[0] = date.fromisoformat(cells[0])
        cells = [
            int(c) if isinstance(c, str) and c.isdigit() and len(c) == 11 else c for c in cells
        ]
        sheet.append(cells)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_xlsx(data: bytes) -> list[list[Any]]:
    """Every row of a workbook's first sheet."""
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    try:
        return [list(r) for r in book.worksheets[0].iter_rows(values_only=True)]
    finally:
        book.close()


def on_duty(settings: Settings, role: str, moment: datetime) -> list[str]:
    """Names of who the stored roster of qdh says holds `role` at `moment`."""
    engine = make_engine(settings.database_url)
    try:
        with make_session_factory(engine)() as session:
            unit = unit_by_code(session, code="qdh")
            assert unit is not None
            book = RosterBook(settings)
            return [p.name for p in book.holders(session, unit_id=unit.id, role=role, at=moment)]
    finally:
        engine.dispose()


def imported_shifts(database_url: str) -> int:
    """How many imported roster shifts are stored."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            query = select(func.count()).where(RosterShift.source == "import")
            return int(connection.execute(query.select_from(RosterShift)).scalar_one())
    finally:
        engine.dispose()


def local(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    """A moment in Asia/Shanghai in 2026."""
    return datetime(2026, month, day, hour, minute, tzinfo=CST)
