"""The roster page over HTTP: week and month tables with holidays and gaps, who may approve a
swap or accept a handover, the office's duty check, and roster uploads (a bad file shows its
report and imports nothing; a good one its summary)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any

import openpyxl
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.queries import unit_by_code
from tests.builders import County, at, county, row_counts, seed_roster
from tests.dashboard.accounts import add_user, csrf_from, sign_in

QDH_DUTY, QDH_LEADER = ("张值班", "13900000001"), ("刘带班", "13900000004")


@contextmanager
def stored(database_url: str) -> Iterator[Session]:
    """A session on the test database (the caller commits)."""
    engine = make_engine(database_url)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


def signed_in(c: County, database_url: str, username: str, role: str, unit: str, **kw: Any) -> str:
    """Add an account, sign in, and return the CSRF token of its roster page."""
    add_user(database_url, username, role, unit, at(0), **kw)
    c.client.cookies.clear()
    assert sign_in(c.client, username).status_code == 303
    return csrf_from(c.client.get("/roster").text)


def test_week_and_month_name_people_mark_holidays_and_show_gaps_in_words(
    database_url: str,
) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0, day=1), skip=(("wsh", "leader_on_duty"),))
    signed_in(c, database_url, "duty", "duty_room", "county")
    week = c.client.get("/roster?unit=qdh")
    assert week.status_code == 200
    assert "周值班表 · 2026-11-16" in week.text, "the week of Saturday 21 November"
    assert week.text.count(QDH_DUTY[0]) >= 7 and QDH_LEADER[0] in week.text
    assert "11-21 周六" in week.text and "周末" in week.text and "今天" in week.text
    assert "未来7天缺岗" in week.text and "文昌镇 · 带班领导" in week.text
    gaps = c.client.get("/roster?unit=wsh&period=month").text
    assert "月值班表 · 2026-11-01" in gaps and "11-30 周一" in gaps
    assert gaps.count('<span class="gap">缺岗</span>') >= 30, "every day of the month, in words"
    october = c.client.get("/roster?unit=qdh&period=month&on=2026-10-01").text
    assert "10-01 周四" in october and "节假日" in october, "National Day is marked"
    assert c.client.get("/roster?on=0001-01-01&period=month").status_code == 200, "today's"
    c.client.cookies.set("lang", "en")
    english = c.client.get("/roster?unit=wsh").text
    assert "Gap" in english and "leader on duty" in english and "Week" in english


def test_a_unit_officer_sees_only_its_own_unit(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    signed_in(c, database_url, "wsh", "unit_officer", "wsh")
    page = c.client.get("/roster?unit=qdh").text
    assert "值班表 · 文昌镇" in page and "赵值班" in page
    assert "千岛湖镇" not in page and QDH_DUTY[0] not in page
    assert "查岗</button>" not in page, "only the office checks"


def _swap(c: County, ids: dict[tuple[str, str], int]) -> int:
    answer = c.client.post(
        "/api/v1/roster/swaps",
        json={
            "unit": "qdh",
            "role": "duty_officer",
            "from_person_id": ids[("qdh", "duty_officer")],
            "to_person_id": ids[("qdh", "leader")],
            "starts_at": at(8, 30, day=22).isoformat(),
            "ends_at": at(8, 30, day=23).isoformat(),
            "reason": "家中有事",
        },
        headers={"Authorization": f"Bearer {c.tokens['qdh']}"},
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _swap_state(database_url: str, swap_id: int) -> tuple[str, int | None]:
    with stored(database_url) as session:
        swap = session.get(m.SwapRequest, swap_id)
        assert swap is not None
        return swap.state, swap.decided_by_person_id


def test_only_a_leader_on_duty_may_approve_a_swap(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    ids = seed_roster(database_url, start=at(0))
    swap_id = _swap(c, ids)
    officer = ids[("county", "duty_officer")]
    token = signed_in(c, database_url, "duty", "duty_room", "county", person_id=officer)
    page = c.client.get("/roster").text
    assert "家中有事" in page and "李分管 替 张值班 值班" in page
    assert "disabled" in page and "只有此刻的带班领导" in page, "the button says why not"
    refused = c.client.post(f"/roster/swaps/{swap_id}/approve", data={"csrf_token": token})
    assert refused.status_code == 403 and "只有此刻的带班领导可以审批调班" in refused.text
    assert _swap_state(database_url, swap_id) == ("pending", None)

    leader = ids[("county", "leader_on_duty")]
    token = signed_in(c, database_url, "leader", "leader", "county", person_id=leader)
    forged = c.client.post(f"/roster/swaps/{swap_id}/approve", data={"csrf_token": "forged"})
    assert forged.status_code == 403 and _swap_state(database_url, swap_id)[0] == "pending"
    answer = c.client.post(
        f"/roster/swaps/{swap_id}/approve", data={"csrf_token": token}, follow_redirects=False
    )
    assert answer.status_code == 303 and answer.headers["location"].endswith("done=approved")
    assert _swap_state(database_url, swap_id) == ("approved", leader)
    assert "调班已批准" in c.client.get(answer.headers["location"]).text
    again = c.client.post(f"/roster/swaps/{swap_id}/reject", data={"csrf_token": token})
    assert again.status_code == 409 and _swap_state(database_url, swap_id)[0] == "approved"


def _handover(database_url: str, ids: dict[tuple[str, str], int]) -> int:
    with stored(database_url) as session:
        unit = unit_by_code(session, code="qdh")
        assert unit is not None
        row = m.Handover(
            unit_id=unit.id,
            role="duty_officer",
            shift_end_at=at(8, 30),
            outgoing_person_id=ids[("qdh", "leader")],
            incoming_person_id=ids[("qdh", "duty_officer")],
            items=[
                {
                    "obligation_id": 1,
                    "incident_id": 1,
                    "title": "新安东路工地脚手架坍塌",
                    "kind": "followup",
                    "key": "followup:unit:1",
                    "due_at": at(13, 10).isoformat(),
                }
            ],
            notes="现场仍在处置",
            created_at=at(8, 30),
        )
        session.add(row)
        session.commit()
        return row.id


def test_only_the_incoming_officer_accepts_a_handover(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    ids = seed_roster(database_url, start=at(0))
    handover_id = _handover(database_url, ids)
    token = signed_in(
        c, database_url, "other", "unit_officer", "qdh", person_id=ids[("qdh", "leader")]
    )
    page = c.client.get("/roster").text
    assert "新安东路工地脚手架坍塌" in page and "续报 · 截止 11-21 13:10" in page
    assert "现场仍在处置" in page
    assert "已超时未接班" in page, "15 minutes after 08:30 have passed"
    assert "只有接班人本人可以确认接班" in page
    refused = c.client.post(f"/roster/handovers/{handover_id}/accept", data={"csrf_token": token})
    assert refused.status_code == 403
    token = signed_in(
        c, database_url, "incoming", "unit_officer", "qdh", person_id=ids[("qdh", "duty_officer")]
    )
    forged = c.client.post(f"/roster/handovers/{handover_id}/accept", data={})
    assert forged.status_code == 403
    answer = c.client.post(
        f"/roster/handovers/{handover_id}/accept",
        data={"csrf_token": token},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    with stored(database_url) as session:
        handover = session.get(m.Handover, handover_id)
        assert handover is not None and handover.accepted_at == at(9, 10)
        assert handover.accepted_by_person_id == ids[("qdh", "duty_officer")]
    assert "暂无待确认的交接班" in c.client.get("/roster").text


def test_the_office_checks_a_unit_and_others_may_not(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0), skip=(("wsh", "duty_officer"),))
    token = signed_in(c, database_url, "wshuser", "unit_officer", "wsh")
    assert (
        c.client.post("/roster/checks", data={"csrf_token": token, "unit": "wsh"}).status_code
        == 403
    )
    token = signed_in(c, database_url, "duty", "duty_room", "county")
    assert "查岗</button>" in c.client.get("/roster").text
    assert c.client.post("/roster/checks", data={"unit": "qdh"}).status_code == 403, "no CSRF"
    answer = c.client.post(
        "/roster/checks", data={"csrf_token": token, "unit": "qdh"}, follow_redirects=False
    )
    assert answer.status_code == 303
    with stored(database_url) as session:
        check = session.scalars(select(m.DutyCheck)).one()
        sms = session.scalars(select(m.Notification)).one()
        assert (
            sms.channel == "sms" and sms.address == "+86" + QDH_DUTY[1] and check.code in sms.body
        )
    page = c.client.get(answer.headers["location"]).text
    assert "已发出查岗" in page and "等待应答" in page and QDH_DUTY[0] in page
    nobody = c.client.post("/roster/checks", data={"csrf_token": token, "unit": "wsh"})
    assert nobody.status_code == 409 and "此刻无人值班" in nobody.text
    c.clock.advance(timedelta(minutes=11))
    assert "未应答" in c.client.get("/roster").text


def _month_csv(rows: list[list[str]]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["日期", "值班员", "值班员电话", "带班领导", "带班领导电话"])
    writer.writerows(rows)
    return buffer.getvalue().encode("utf-8-sig")


def _good_rows() -> list[list[str]]:
    return [
        [(date(2026, 11, 1) + timedelta(days=n)).isoformat(), *QDH_DUTY, *QDH_LEADER]
        for n in range(30)
    ]


def _upload(c: County, token: str, data: bytes, name: str = "roster.csv", **form: str) -> Any:
    fields = {"csrf_token": token, "unit": "qdh", "month": "2026-11", **form}
    return c.client.post("/roster/upload", data=fields, files={"file": (name, data)})


def _imported(database_url: str) -> int:
    with stored(database_url) as session:
        return int(
            session.scalar(
                select(func.count())
                .select_from(m.RosterShift)
                .where(m.RosterShift.source == "import")
            )
            or 0
        )


def test_a_bad_roster_file_shows_each_bad_row_and_imports_nothing(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    token = signed_in(c, database_url, "duty", "duty_room", "county")
    rows = _good_rows()
    rows[1][1:3] = ["王五", "13900009999"]  # file row 3: nobody of the unit
    rows[2][2] = "12345"  # row 4: not a phone
    rows[3][0] = "2026-12-01"  # row 5: outside the month
    before = row_counts(database_url)
    answer = _upload(c, token, _month_csv(rows))
    assert answer.status_code == 422
    assert "未导入：共 3 处错误" in answer.text and "未导入任何内容" in answer.text
    for row, words in (
        (3, "没有 王五（13900009999）此人"),
        (4, "不是电话号码"),
        (5, "不在 2026-11 内"),
    ):
        assert f"第 {row} 行" in answer.text and words in answer.text
    assert row_counts(database_url) == before, "nothing imported, nothing written"
    forged = c.client.post(
        "/roster/upload",
        data={"unit": "qdh", "month": "2026-11"},
        files={"file": ("r.csv", _month_csv(_good_rows()))},
    )
    assert forged.status_code == 403 and row_counts(database_url) == before


def test_upload_form_problems_are_named_and_nothing_is_written(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    token = signed_in(c, database_url, "duty", "duty_room", "county")
    before = row_counts(database_url)
    answer = _upload(c, token, b"", month="November")
    assert answer.status_code == 422
    assert "月份：请选择月份" in answer.text and "值班表文件：请选择要上传的文件" in answer.text
    assert 'aria-invalid="true"' in answer.text and row_counts(database_url) == before


def test_a_good_roster_file_is_imported_with_its_summary_csv_and_xlsx(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0))
    token = signed_in(c, database_url, "qdhuser", "unit_officer", "qdh")
    answer = _upload(c, token, _month_csv(_good_rows()))
    assert answer.status_code == 200, answer.text
    assert "已导入千岛湖镇 2026-11 值班表：30 天，60 个班次（替换 0 个）" in answer.text
    assert _imported(database_url) == 60
    book = openpyxl.Workbook()
    book.active.append(["日期", "值班员", "值班员电话", "带班领导", "带班领导电话"])
    for row in _good_rows()[:10]:
        book.active.append(row)
    data = io.BytesIO()
    book.save(data)
    answer = _upload(c, token, data.getvalue(), name="roster.xlsx")
    assert answer.status_code == 200 and "替换 60 个" in answer.text
    assert _imported(database_url) == 20
    assert "2026-11-11 未列出" in answer.text, "missing days are warnings, not errors"
    other = _upload(c, token, _month_csv(_good_rows()), unit="wsh")
    assert other.status_code == 403, "a unit officer uploads for its own unit only"


def test_a_month_exports_in_the_import_form(database_url: str) -> None:
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0, day=1))
    signed_in(c, database_url, "duty", "duty_room", "county")
    answer = c.client.get("/roster/export?unit=qdh&month=2026-11&format=csv")
    assert answer.status_code == 200 and "attachment" in answer.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(answer.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["日期", "值班员", "值班员电话"] and len(rows) == 31
    assert rows[21][:3] == ["2026-11-21", QDH_DUTY[0], QDH_DUTY[1]]
    xlsx = c.client.get("/roster/export?unit=qdh&month=2026-11&format=xlsx")
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 31
