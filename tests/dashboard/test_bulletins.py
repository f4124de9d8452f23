"""通报 pages: the monthly bulletin of the records scenario previewed, published once with its
number, its figures equal to the records page's for the same month, emailed to the units'
principals, downloaded as XLSX and as a PDF read back with pdftotext; refusals change nothing."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime

import openpyxl
import pytest
from sqlalchemy import select

from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.models import Notification
from tests.builders import CST, County, row_counts
from tests.dashboard.accounts import csrf_from
from tests.dashboard.test_records import as_user, scenario, table

DECEMBER = datetime(2026, 12, 3, 9, tzinfo=CST)
# the records page's columns that a bulletin shows, by their position there
SAME = {"incidents": 2, "on_time": 3, "late": 4, "missed": 6, "after_chasing": 8, "score": 1}
BULLETIN_COLUMNS = [
    "单位",
    "报送事件",
    "按时",
    "迟报",
    "漏报",
    "催报后才报",
    "续报/终报逾期",
    "批示反馈逾期",
    "已确认问题",
    "得分",
]


def _in_december(database_url: str, role: str = "section_head", unit: str = "county") -> County:
    c = scenario(database_url)
    c.clock.set(DECEMBER)
    as_user(c, database_url, "desk", role, unit)
    return c


def _bulletin_table(html: str) -> list[list[str]]:
    return table(html.replace('<table class="records bulletin">', '<table class="records stack">'))


def _publish(c: County, kind: str = "monthly", period: str = "2026-11") -> object:
    token = csrf_from(c.client.get("/bulletins").text)
    return c.client.post(
        "/bulletins",
        data={"kind": kind, "period": period, "csrf_token": token},
        follow_redirects=False,
    )


def test_the_preview_has_the_records_pages_figures_for_the_month(database_url: str) -> None:
    c = _in_december(database_url)
    records = table(c.client.get("/records?period=last_month").text)
    page = c.client.get("/bulletins/draft?kind=monthly&period=2026-11")
    assert page.status_code == 200
    assert "县政府总值班室2026年11月突发事件信息报送情况通报" in page.text and "草稿" in page.text
    lines = _bulletin_table(page.text)
    assert [row[0] for row in lines] == [row[0] for row in records]
    for line, record in zip(lines, records, strict=True):
        for column, at in SAME.items():
            assert line[BULLETIN_COLUMNS.index(_label(column))] == record[at], (line[0], column)
    qdh = lines[1]
    assert qdh[0] == "千岛湖镇" and qdh[-1] == "91"


def _label(column: str) -> str:
    names = {
        "incidents": "报送事件",
        "on_time": "按时",
        "late": "迟报",
        "missed": "漏报",
        "after_chasing": "催报后才报",
        "score": "得分",
    }
    return names[column]


def test_publishing_numbers_freezes_and_emails_it_once(database_url: str) -> None:
    c = _in_december(database_url)
    answer = _publish(c)
    assert answer.status_code == 303, answer.text
    page = c.client.get(answer.headers["location"])
    assert "2026年第1期（月报）" in page.text and "已发布，并已通知各单位" in page.text
    assert "desk 于 2026-12-03 09:00 发布" in page.text
    assert _bulletin_table(page.text)[1][-1] == "91"

    engine = make_engine(database_url)
    with make_session_factory(engine)() as session:
        mails = session.scalars(select(Notification).where(Notification.channel == "email")).all()
        told = sorted(n.address for n in mails if n.dedupe_key.startswith("bulletin:"))
        qdh = next(n for n in mails if n.address.startswith("13900000003"))
    engine.dispose()
    assert told == ["13900000003@example.gov.cn", "13900000013@example.gov.cn"]  # principals
    assert "千岛湖镇：得分 91" in qdh.body and "/bulletins/" in qdh.body

    before = row_counts(database_url)
    again = _publish(c)
    assert again.status_code == 409 and "该期间的通报已发布" in again.text
    assert row_counts(database_url) == before
    listing = c.client.get("/bulletins").text
    assert "2026-11 · 2026年第1期（月报）" in listing and "已按时发布" in listing


def test_the_xlsx_and_pdf_say_what_the_page_says(database_url: str) -> None:
    if shutil.which("pdftotext") is None:
        pytest.skip("no pdftotext (Debian's poppler-utils)")
    c = _in_december(database_url)
    location = _publish(c).headers["location"]
    page_rows = _bulletin_table(c.client.get(location).text)
    bulletin = location.split("?")[0]

    workbook = c.client.get(f"{bulletin}?format=xlsx")
    assert workbook.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.content)).active
    rows = [[str(v) for v in row if v is not None] for row in sheet.iter_rows(values_only=True)]
    assert rows[0] == ["县政府总值班室2026年11月突发事件信息报送情况通报（2026年第1期（月报））"]
    assert rows[1] == BULLETIN_COLUMNS and rows[2:] == page_rows

    document = c.client.get(f"{bulletin}?format=pdf")
    assert document.status_code == 200 and document.content.startswith(b"%PDF")
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=document.content, capture_output=True, check=True
    ).stdout.decode()
    assert "县政府总值班室2026年11月突发事件信息报送情况通报" in text
    assert "2026年第1期（月报）" in text
    for row in page_rows:
        assert re.search(r"\s+".join(map(re.escape, row)), text), row


def test_refusals_name_the_problem_and_change_nothing(database_url: str) -> None:
    c = _in_december(database_url)
    before = row_counts(database_url)
    for kind, period, words in (
        ("monthly", "2026-12", "该期间尚未结束"),
        ("quarterly", "2026-Q4", "该期间尚未结束"),
        ("monthly", "2026-13", "期间格式有误"),
        ("weekly", "2026-11", "须为以下之一"),
        ("monthly", "", "期间格式有误"),
    ):
        answer = _publish(c, kind, period)
        assert answer.status_code == 422, (kind, period)
        assert words in answer.text, (kind, period)
    assert c.client.get("/bulletins/draft?kind=monthly&period=x").status_code == 422
    assert c.client.get("/bulletins/999").status_code == 404
    assert row_counts(database_url) == before


@pytest.mark.parametrize(("role", "unit"), [("duty_room", "county"), ("unit_officer", "qdh")])
def test_only_the_section_publishes_and_a_unit_sees_published_ones(
    database_url: str, role: str, unit: str
) -> None:
    c = _in_december(database_url, role, unit)
    before = row_counts(database_url)
    page = c.client.get("/bulletins")
    assert page.status_code == 200
    answer = c.client.post(
        "/bulletins",
        data={"kind": "monthly", "period": "2026-11", "csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 403
    assert row_counts(database_url) == before
    draft = c.client.get("/bulletins/draft?kind=monthly&period=2026-11")
    assert draft.status_code == (403 if role == "unit_officer" else 200)


def test_the_now_board_shows_the_sections_bulletins_still_due(database_url: str) -> None:
    c = _in_december(database_url)
    board = c.client.get("/").text
    assert "信息科通报时限" in board
    assert "月报 2026-11：截止 2026-12-10 24:00" in board and "待发布" in board
    assert "季报 2026-Q3：截止 2026-10-15 24:00" in board and "已逾期，尚未发布" in board
    assert _publish(c).status_code == 303
    board = c.client.get("/").text
    assert "月报 2026-11" not in board and "季报 2026-Q3" in board
