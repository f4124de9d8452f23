"""Overdue instruction feedback (批示反馈逾期) on the records page and in its CSV and XLSX exports:
per unit, the instruction_feedback clocks met late or still owed past due in the period, each
taking 3 points off the score, the same count in the table, the CSV and the XLSX."""

from __future__ import annotations

import csv
import io

import openpyxl

from alerts.dashboard.pages.records import COLUMNS
from alerts.dashboard.rendering import LANG_COOKIE
from tests.builders import County, at, county
from tests.dashboard.accounts import sign_in
from tests.dashboard.test_records import as_user, table
from tests.instruction_builders import feed_back, move, record_instruction

FEEDBACK = COLUMNS.index("overdue_feedback")
SCORE = COLUMNS.index("score")


def scenario(database_url: str) -> tuple[County, int]:
    """On 21 November: A (on qdh and wsh, feedback by 22 Nov 10:00, relayed 10:30), B (on qdh,
    no deadline, relayed 11:10: feedback by 22 Nov 11:10) and a 参阅 for qdh, acknowledged
    (no feedback owed); wsh feeds back on A at 09:00 on the 22nd, on time. A's id."""
    c = county(database_url, start=at(10, 0))
    a = record_instruction(c, units=["qdh", "wsh"], deadline_at=at(10, 0, day=22).isoformat())
    c.clock.set(at(10, 30))
    move(c, a, "qdh", "relay")
    move(c, a, "wsh", "relay")
    c.clock.set(at(11, 0))
    b = record_instruction(c, received_at=at(11, 0).isoformat())
    reference = record_instruction(c, received_at=at(11, 0).isoformat(), type="reference")
    c.clock.set(at(11, 10))
    move(c, b, "qdh", "relay")
    move(c, reference, "qdh", "relay")
    move(c, reference, "qdh", "acknowledge")
    c.clock.set(at(9, 0, day=22))
    feed_back(c, a, "wsh")
    as_user(c, database_url, "duty", "duty_room", "county")
    return c, a


def signed_in_again(c: County) -> None:
    """A new session for the duty officer (one lasts 12 hours)."""
    c.client.cookies.clear()
    assert sign_in(c.client, "duty").status_code == 303


def rows(c: County, query: str = "") -> dict[str, list[str]]:
    """The records table by unit name."""
    page = c.client.get(f"/records?{query}")
    assert page.status_code == 200, page.text
    return {row[0]: row for row in table(page.text)}


def counted(row: list[str]) -> tuple[int, int]:
    """(overdue feedback, score) of a table row."""
    return int(row[FEEDBACK]), int(row[SCORE])


def test_each_overdue_feedback_takes_3_points_as_it_falls_due(database_url: str) -> None:
    c, a = scenario(database_url)
    assert counted(rows(c)["千岛湖镇"]) == (0, 100)  # 09:00 on the 22nd: nothing due yet

    c.clock.set(at(10, 30, day=22))  # A's feedback owed past due
    assert counted(rows(c)["千岛湖镇"]) == (1, 97)

    c.clock.set(at(12, 0, day=22))
    feed_back(c, a, "qdh")  # A's feedback, two hours late; B's owed since 11:10
    table_now = rows(c)
    assert counted(table_now["千岛湖镇"]) == (2, 94)
    assert counted(table_now["文昌镇"]) == (0, 100), "wsh fed back on time"
    assert counted(table_now["县政府总值班室"]) == (0, 100), "relays and verifications are not it"
    assert int(table_now["千岛湖镇"][COLUMNS.index("late")]) == 0, "never charged as 迟报 too"


def test_feedback_owed_again_after_a_return_counts_on_its_own(database_url: str) -> None:
    c, a = scenario(database_url)
    c.clock.set(at(12, 0, day=22))
    move(c, a, "wsh", "return", reason="请补充伤员去向")  # feedback:2 due 23 Nov 12:00

    c.clock.set(at(9, 0, day=24))
    signed_in_again(c)

    assert counted(rows(c)["文昌镇"]) == (1, 97)
    later = "period=custom&from=2026-11-23&to=2026-11-30"  # A and B fell due on the 22nd
    assert counted(rows(c, later)["千岛湖镇"]) == (0, 100)
    assert counted(rows(c, later)["文昌镇"]) == (1, 97)
    assert counted(rows(c, "period=last_month")["千岛湖镇"]) == (0, 100)


def test_the_column_sorts_and_both_exports_carry_the_same_count(database_url: str) -> None:
    c, _ = scenario(database_url)
    c.clock.set(at(12, 0, day=22))  # qdh: A and B both owed past due
    page = rows(c)
    assert counted(page["千岛湖镇"]) == (2, 94)
    ordered = table(c.client.get("/records?sort=overdue_feedback&dir=desc").text)
    assert ordered[0][0] == "千岛湖镇"

    answer = c.client.get("/records/export?format=csv")
    assert answer.status_code == 200
    exported = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert exported[0][FEEDBACK] == "批示反馈逾期"
    by_unit = {row[0]: row for row in exported[1:]}
    assert by_unit == page

    answer = c.client.get("/records/export?format=xlsx")
    assert answer.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    cells = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert cells[0][FEEDBACK] == "批示反馈逾期"
    qdh = next(row for row in cells if row[0] == "千岛湖镇")
    assert (qdh[FEEDBACK], qdh[SCORE]) == (2, 94), "numbers, not text"
    assert [[str(v) for v in row] for row in cells] == exported


def test_english_names_the_column_and_says_what_it_counts(database_url: str) -> None:
    c, _ = scenario(database_url)
    c.client.cookies.set(LANG_COOKIE, "en")
    page = c.client.get("/records").text
    assert "Overdue instruction feedback</a>" in page.replace("\n", "")
    assert "still owed past it" in page
    c.client.cookies.delete(LANG_COOKIE)
    assert "批示反馈逾期指领导批示的落实反馈逾期" in c.client.get("/records").text
