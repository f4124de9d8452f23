"""The records page over HTTP: a built scenario (one initial report met, one 60 minutes late,
one incident registered elsewhere and never reported) read back per unit and period, sorted on
the server, and exported as CSV and XLSX with the same columns."""

from __future__ import annotations

import csv
import io
import re

import openpyxl

from tests.builders import County, at, county, initial, seed_roster
from tests.dashboard.accounts import add_user, sign_in

HEADER = [
    "单位",
    "得分",
    "报送事件",
    "按时",
    "迟报",
    "迟报时长",
    "漏报（已确认）",
    "疑似漏报（待确认）",
    "催报后才报",
    "轻报",
    "越级报送",
    "续报/终报逾期",
    "批示反馈逾期",
    "瞒报（已确认）",
    "疑似瞒报（待确认）",
    "查岗未应答",
]
# 千岛湖镇: 2 incidents it reported, 1 on time, 1 late by 60 min, 1 missed candidate (not
# scored), and both reported incidents' first follow-ups owed since 21 November (−2 each).
QDH = ["千岛湖镇", "91", "2", "1", "1", "1 小时", "0", "1", "0", "0", "0", "2", "0", "0", "0", "0"]
QUIET = ["100", *["0"] * 14]


def scenario(database_url: str) -> County:
    """The three incidents of 千岛湖镇 on 21 November, read on the 23rd."""
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    assert c.post(initial()).status_code == 201  # known 08:00, due 10:00: met
    register = {
        "kind": "register",
        "unit": "qdh",
        "occurred_at": at(8, 30).isoformat(),
        "category": "accident",
        "severity": "III",
        "title": "某村民房火灾",
        "description": "媒体报道：某村民房起火",
    }
    assert c.post(register, token=c.office_token).status_code == 201  # never reported: missed
    c.clock.set(at(11))
    assert c.post(initial(external_ref="QH-2", title="乙")).status_code == 201  # 60 min late
    c.at_tick(at(9, day=23))
    return c


def as_user(c: County, database_url: str, username: str, role: str, unit: str) -> None:
    """Add an account and sign in with it."""
    add_user(database_url, username, role, unit, at(0))
    c.client.cookies.clear()
    assert sign_in(c.client, username).status_code == 303


def table(html: str) -> list[list[str]]:
    """The records table's body rows as text cells."""
    after = html.split('<table class="records stack">', 1)[1]
    body = after.split("<tbody>", 1)[1].split("</tbody>")[0]
    rows = re.findall(r"<tr>(.*?)</tr>", body, flags=re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, flags=re.S) for row in rows]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in row] for row in cells]


def test_the_scenario_reads_back_per_unit_with_candidates_kept_out_of_the_score(
    database_url: str,
) -> None:
    c = scenario(database_url)
    as_user(c, database_url, "duty", "duty_room", "county")
    page = c.client.get("/records")
    assert page.status_code == 200
    rows = table(page.text)
    assert [r[0] for r in rows] == ["县政府总值班室", "千岛湖镇", "文昌镇"]
    assert rows[1] == QDH and rows[2][1:] == QUIET
    assert "2026-11-01 至 2026-11-30" in page.text
    assert "待确认" in page.text and "不计入得分" in page.text, (
        "the page says candidates are unscored"
    )
    header = re.findall(r'<th scope="col"[^>]*>\s*<a [^>]*>([^<]+)', page.text)
    assert header == HEADER


def test_periods_and_a_bad_custom_range(database_url: str) -> None:
    c = scenario(database_url)
    as_user(c, database_url, "duty", "duty_room", "county")
    assert table(c.client.get("/records?period=this_quarter").text)[1] == QDH
    assert table(c.client.get("/records?period=last_month").text)[1][1:] == QUIET
    day = "/records?period=custom&from=2026-11-21&to=2026-11-21"
    assert table(c.client.get(day).text)[1] == QDH
    later = "/records?period=custom&from=2026-11-22&to=2026-11-30"
    assert table(c.client.get(later).text)[1][1:] == QUIET
    bad = c.client.get("/records?period=custom&from=2026-11-22&to=2026-11-01")
    assert bad.status_code == 422 and "截止日期：截止日期不能早于起始日期" in bad.text
    assert 'aria-invalid="true"' in bad.text
    far = c.client.get("/records?period=custom&from=0001-01-01&to=9999-12-31")
    assert far.status_code == 422 and "起始日期：请填写日期" in far.text
    missing = c.client.get("/records?period=custom&from=&to=2026-11-01")
    assert missing.status_code == 422 and "起始日期：请填写日期" in missing.text


def test_every_column_sorts_on_the_server(database_url: str) -> None:
    c = scenario(database_url)
    as_user(c, database_url, "duty", "duty_room", "county")

    def units(query: str) -> list[str]:
        return [r[0] for r in table(c.client.get(f"/records?{query}").text)]

    assert units("sort=score&dir=asc")[0] == "千岛湖镇"
    assert units("sort=score&dir=desc")[-1] == "千岛湖镇"
    assert units("sort=late&dir=desc")[0] == "千岛湖镇"
    assert units("sort=unit&dir=asc") == sorted(units("sort=unit&dir=asc"))
    assert units("sort=nonsense") == ["县政府总值班室", "千岛湖镇", "文昌镇"]
    page = c.client.get("/records?sort=score&dir=asc").text
    assert 'aria-sort="ascending"' in page and "sort=score&amp;dir=desc" in page


def test_csv_and_xlsx_exports_have_the_same_columns_and_numbers(database_url: str) -> None:
    c = scenario(database_url)
    as_user(c, database_url, "duty", "duty_room", "county")
    answer = c.client.get("/records/export?format=csv&period=this_month&sort=score&dir=asc")
    assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
    assert 'filename="records-20261101-20261130.csv"' in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0] == HEADER and rows[1] == QDH and len(rows) == 4
    answer = c.client.get("/records/export?format=xlsx&period=this_month&sort=score&dir=asc")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    values = [[str(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    assert values == rows
    assert c.client.get("/records/export?format=pdf").status_code == 403


def test_a_unit_officer_sees_and_exports_only_its_own_unit(database_url: str) -> None:
    c = scenario(database_url)
    as_user(c, database_url, "qdh", "unit_officer", "qdh")
    assert table(c.client.get("/records").text) == [QDH]
    as_user(c, database_url, "wsh", "unit_officer", "wsh")
    assert [r[0] for r in table(c.client.get("/records").text)] == ["文昌镇"]
    rows = list(
        csv.reader(
            io.StringIO(c.client.get("/records/export?format=csv").content.decode("utf-8-sig"))
        )
    )
    assert [r[0] for r in rows] == ["单位", "文昌镇"]
    c.client.cookies.clear()
    assert c.client.get("/records", follow_redirects=False).status_code == 303
