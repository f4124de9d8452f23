"""Month roster files through the API: good CSV (UTF-8, BOM, GB18030) and XLSX files import and
resolve to the right people across midnight; every kind of bad file is refused with a report
naming its rows and nothing stored; export writes the resolved roster and reads back in."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import pytest

from alerts.roster.files import MEDIA_TYPES
from alerts.storage.database import make_engine, make_session_factory
from alerts.storage.models import RosterShift, Rotation, SwapRequest
from alerts.storage.queries import unit_by_code
from tests.builders import County, county, row_counts
from tests.roster.files import (
    DEPUTY,
    EN_HEADER,
    LEADERS,
    OFFICERS,
    STRANGER,
    ZH_HEADER,
    add_people,
    csv_file,
    imported_shifts,
    local,
    month_rows,
    on_duty,
    read_xlsx,
    xlsx_file,
)

Rows = list[list[Any]]


def upload(
    c: County,
    data: bytes,
    *,
    token: str | None = None,
    query: str = "unit=qdh&month=2026-11",
    content_type: str = "text/csv",
) -> Any:
    """POST a roster file as the raw body, as the office unless another token is given."""
    return c.client.post(
        f"/api/v1/roster/import?{query}",
        content=data,
        headers={
            "Authorization": f"Bearer {token or c.office_token}",
            "Content-Type": content_type,
        },
    )


def export(c: County, query: str, token: str | None = None) -> Any:
    """GET an export as the office."""
    return c.client.get(
        f"/api/v1/roster/export?{query}",
        headers={"Authorization": f"Bearer {token or c.office_token}"},
    )


@pytest.mark.parametrize(
    ("encoding", "header", "as_unit"),
    [("utf-8-sig", ZH_HEADER, False), ("utf-8", EN_HEADER, True), ("gb18030", ZH_HEADER, True)],
    ids=["utf8-bom-office", "utf8-english-unit", "gb18030-unit"],
)
def test_a_good_csv_imports_and_resolves_across_midnight(
    database_url: str, encoding: str, header: list[str], as_unit: bool
) -> None:
    c = county(database_url)
    add_people(database_url)
    data = csv_file(month_rows(), header=header, encoding=encoding)
    answer = upload(c, data, token=c.tokens["qdh"] if as_unit else None)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {
        "unit": "qdh",
        "month": "2026-11",
        "days": 30,
        "stored": 90,
        "replaced": 0,
        "warnings": [],
    }
    officer = {n: OFFICERS[(n - 1) % 2][0] for n in range(1, 31)}  # by day of November
    cases = [
        (local(1, 8, 29), "duty_officer", []),  # before the month's first duty day
        (local(1, 8, 30), "duty_officer", [officer[1]]),
        (local(5, 8, 29), "duty_officer", [officer[4]]),
        (local(5, 8, 30), "duty_officer", [officer[5]]),
        (local(6, 0, 0), "duty_officer", [officer[5]]),  # midnight: still the 5th's duty day
        (local(6, 7, 59), "leader_on_duty", [LEADERS[(5 - 1) % 2][0]]),
        (local(6, 3, 0), "deputy_duty_officer", [DEPUTY[0]]),
        (local(1, 8, 30, month=12), "duty_officer", []),  # the month's last day ends here
        (local(1, 8, 29, month=12), "duty_officer", [officer[30]]),
    ]
    for moment, role, expected in cases:
        assert on_duty(c.settings, role, moment) == expected, (moment, role)


def test_an_xlsx_workbook_with_a_title_row_imports_as_a_multipart_upload(database_url: str) -> None:
    c = county(database_url)
    add_people(database_url)
    data = xlsx_file(month_rows(), above=[["千岛湖镇2026年11月值班表"]])
    answer = c.client.post(
        "/api/v1/roster/import?unit=qdh&month=2026-11",
        files={"file": ("值班表.xlsx", data, MEDIA_TYPES["xlsx"])},
        headers={"Authorization": f"Bearer {c.office_token}"},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 90
    assert on_duty(c.settings, "duty_officer", local(21, 9, 10)) == [OFFICERS[0][0]]
    assert on_duty(c.settings, "leader_on_duty", local(22, 8, 0)) == [LEADERS[0][0]]


def _set(index: int, column: int, value: str) -> Callable[[Rows], Rows]:
    def change(rows: Rows) -> Rows:
        rows[index][column] = value
        return rows

    return change


def _same_date(rows: Rows) -> Rows:
    rows[4][0] = rows[3][0]
    return rows


def _stranger(rows: Rows) -> Rows:
    rows[3][1:3] = STRANGER
    return rows


def _without_columns(*dropped: int) -> bytes:
    """A month's CSV without some of the form's columns."""
    keep = [i for i in range(len(ZH_HEADER)) if i not in dropped]
    rows = [[row[i] for i in keep] for row in month_rows()]
    return csv_file(rows, header=[ZH_HEADER[i] for i in keep])


# Data row i is file row i + 2 (the header is row 1).
BAD_FILES: dict[str, tuple[Callable[[Rows], Rows], int, str, str]] = {
    "no-such-day": (_set(3, 0, "2026-11-31"), 5, "date", "not_a_date"),
    "not-a-date": (_set(3, 0, "下周三"), 5, "date", "not_a_date"),
    "date-missing": (_set(3, 0, ""), 5, "date", "date_missing"),
    "other-month": (_set(3, 0, "2026-12-01"), 5, "date", "outside_month"),
    "other-year": (_set(3, 0, "2025-11-04"), 5, "date", "outside_month"),
    "overlapping-days": (_same_date, 6, "date", "listed_twice"),
    "unknown-person": (_set(3, 1, "无名氏"), 5, "duty_officer", "phone_of_another"),
    "unknown-name-and-phone": (_stranger, 5, "duty_officer", "unknown_person"),
    "known-name-other-phone": (
        _set(3, 2, "13900000998"),
        5,
        "duty_officer_phone",
        "phone_differs",
    ),
    "phone-too-short": (_set(3, 2, "12345"), 5, "duty_officer_phone", "not_a_phone"),
    "phone-with-letters": (_set(3, 6, "1390000010x"), 5, "leader_on_duty_phone", "not_a_phone"),
    "phone-not-mobile": (_set(3, 4, "23900000103"), 5, "deputy_duty_officer_phone", "not_a_phone"),
    "phone-missing": (_set(3, 6, ""), 5, "leader_on_duty_phone", "phone_missing"),
    "phone-without-name": (_set(3, 3, ""), 5, "deputy_duty_officer", "phone_without_name"),
}


@pytest.mark.parametrize("case", BAD_FILES, ids=list(BAD_FILES))
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_a_bad_row_is_named_and_nothing_is_imported(
    database_url: str, case: str, kind: str
) -> None:
    c = county(database_url)
    add_people(database_url)
    change, row, column, code = BAD_FILES[case]
    rows = change(month_rows())
    data = csv_file(rows) if kind == "csv" else xlsx_file(rows)
    before = row_counts(database_url)
    answer = upload(c, data, content_type=MEDIA_TYPES[kind])
    assert answer.status_code == 422, answer.text
    body = answer.json()
    assert body["error"]["code"] == "roster_file_rejected"
    assert body["error"]["fields"] == [{"field": "file", "problem": "文件中有 1 处错误"}]
    [problem] = body["report"]
    assert (problem["row"], problem["column"], problem["code"]) == (row, column, code)
    assert problem["problem"] and "roster_import" not in problem["problem"]
    assert row_counts(database_url) == before


def test_the_report_names_every_bad_row_at_once_in_the_configured_language(
    database_url: str,
) -> None:
    c = county(database_url, language="en")
    add_people(database_url)
    rows = month_rows()
    rows[0][2] = "12345"
    rows[9][1] = "张值班"
    rows[9][2] = "13900000777"
    rows[20][0] = "2026-10-31"
    rows[21][0] = rows[22][0]
    answer = upload(c, csv_file(rows))
    assert answer.status_code == 422
    report = {(p["row"], p["column"], p["code"]): p["problem"] for p in answer.json()["report"]}
    assert report == {
        (2, "duty_officer_phone", "not_a_phone"): (
            'not a phone number: "12345" (a mobile number, +86…, or a landline with area code)'
        ),
        (11, "duty_officer_phone", "phone_differs"): (
            "张值班's phone on file is 13900000101, not 13900000777"
        ),
        (22, "date", "outside_month"): "2026-10-31 is not in 2026-11",
        (24, "date", "listed_twice"): (
            "2026-11-23 is listed twice (first in row 23): shifts would overlap"
        ),
    }
    assert imported_shifts(database_url) == 0


@pytest.mark.parametrize(
    ("data", "row", "column", "code"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100), None, "", "old_xls"),
        (b"PK\x03\x04 not really a zip", None, "", "unreadable"),
        (b"\xff\xfe\x00\x00\x80", None, "", "unreadable"),
        ("2026-11-01,张值班\n".encode(), 1, "", "no_header"),
        (csv_file([]), None, "date", "no_days"),
        (_without_columns(6), 1, "leader_on_duty_phone", "missing_column"),
        (_without_columns(4), 1, "deputy_duty_officer_phone", "missing_column"),
        (_without_columns(0), 1, "date", "missing_column"),
        (
            csv_file(month_rows(), header=[*ZH_HEADER[:3], "值班员", *ZH_HEADER[4:]]),
            1,
            "duty_officer",
            "duplicate_column",
        ),
    ],
    ids=[
        "old-xls",
        "broken-zip",
        "binary",
        "no-header",
        "header-only",
        "missing-column",
        "deputy-without-phone",
        "no-date-column",
        "duplicate-column",
    ],
)
def test_a_file_that_is_no_roster_is_refused_with_a_reason(
    database_url: str, data: bytes, row: int | None, column: str, code: str
) -> None:
    c = county(database_url)
    add_people(database_url)
    before = row_counts(database_url)
    answer = upload(c, data, content_type="application/octet-stream")
    assert answer.status_code == 422, answer.text
    found = [(p["row"], p["column"], p["code"]) for p in answer.json()["report"]]
    assert (row, column, code) in found
    assert row_counts(database_url) == before


def test_missing_days_and_empty_cells_are_warnings_and_the_rest_imports(database_url: str) -> None:
    c = county(database_url)
    add_people(database_url)
    rows = [r for r in month_rows() if r[0] not in ("2026-11-10", "2026-11-20")]
    rows[0][5:7] = ["", ""]  # nobody named as leader on duty on the 1st
    rows[1][3:5] = ["", ""]  # no deputy on the 2nd: the deputy is optional, no warning
    answer = upload(c, csv_file(rows))
    assert answer.status_code == 200, answer.text
    assert answer.json()["stored"] == 28 * 3 - 2
    warnings = [(w["row"], w["column"], w["code"]) for w in answer.json()["warnings"]]
    assert warnings == [
        (2, "leader_on_duty", "nobody"),
        (None, "date", "missing_day"),
        (None, "date", "missing_day"),
    ]
    assert "2026-11-10" in answer.json()["warnings"][1]["problem"]
    assert on_duty(c.settings, "duty_officer", local(10, 12)) == []
    assert on_duty(c.settings, "leader_on_duty", local(1, 12)) == []


def test_a_bad_file_leaves_the_previous_import_as_it_was(database_url: str) -> None:
    c = county(database_url)
    add_people(database_url)
    assert upload(c, csv_file(month_rows())).status_code == 200
    before = row_counts(database_url)
    rows = month_rows()
    rows[5][2] = "not a phone"
    assert upload(c, csv_file(rows)).status_code == 422
    assert row_counts(database_url) == before
    assert on_duty(c.settings, "duty_officer", local(6, 12)) == [OFFICERS[1][0]]


def test_a_second_import_replaces_the_month_and_leaves_overrides_alone(database_url: str) -> None:
    c = county(database_url)
    ids = add_people(database_url)
    assert upload(c, csv_file(month_rows())).status_code == 200
    _add_override(database_url, ids[OFFICERS[0][0]], local(6, 20), local(7, 2))
    rows = [[r[0], *r[3:5], *r[1:3], *r[5:]] for r in month_rows()]  # deputy and officer trade
    answer = upload(c, csv_file(rows))
    assert answer.status_code == 200
    assert (answer.json()["replaced"], answer.json()["stored"]) == (90, 90)
    assert imported_shifts(database_url) == 90
    assert on_duty(c.settings, "duty_officer", local(6, 12)) == [DEPUTY[0]]
    assert on_duty(c.settings, "duty_officer", local(6, 21)) == [OFFICERS[0][0]]  # the override


def test_october_and_november_imports_do_not_touch_each_other(database_url: str) -> None:
    c = county(database_url)
    add_people(database_url)
    october = month_rows(date(2026, 10, 1), days=31)
    assert upload(c, csv_file(october), query="unit=qdh&month=2026-10").status_code == 200
    assert upload(c, csv_file(month_rows())).status_code == 200
    assert upload(c, csv_file(month_rows())).json()["replaced"] == 90
    assert imported_shifts(database_url) == 93 + 90
    assert on_duty(c.settings, "duty_officer", local(1, 8, 29)) == [OFFICERS[0][0]]  # Oct 31's


def test_export_round_trips_through_csv_and_xlsx(database_url: str) -> None:
    c = county(database_url)
    add_people(database_url)
    original = csv_file(month_rows())
    assert upload(c, original).status_code == 200
    exported = export(c, "unit=qdh&month=2026-11")
    assert exported.status_code == 200
    assert exported.headers["content-type"].startswith("text/csv")
    assert 'filename="roster-qdh-2026-11.csv"' in exported.headers["content-disposition"]
    assert exported.content == original  # same header, same rows, UTF-8 with BOM
    workbook = export(c, "unit=qdh&month=2026-11&format=xlsx")
    assert workbook.headers["content-type"] == MEDIA_TYPES["xlsx"]
    rows = read_xlsx(workbook.content)
    assert rows[0] == ZH_HEADER and len(rows) == 31
    assert rows[1][0].date() == date(2026, 11, 1)
    assert rows[1][1:] == [*OFFICERS[0], *DEPUTY, *LEADERS[0]]
    again = upload(c, workbook.content, content_type=MEDIA_TYPES["xlsx"])
    assert (again.status_code, again.json()["replaced"], again.json()["stored"]) == (200, 90, 90)
    assert export(c, "unit=qdh&month=2026-11").content == original


def test_export_writes_the_resolved_roster(database_url: str) -> None:
    c = county(database_url)
    ids = add_people(database_url)
    assert upload(c, csv_file(month_rows())).status_code == 200
    zhang, chen = ids[OFFICERS[0][0]], ids[OFFICERS[1][0]]
    _add_override(database_url, chen, local(11, 8, 30), local(12, 8, 30))  # the 11th was Zhang's
    _add_swap(database_url, ids[LEADERS[0][0]], ids[LEADERS[1][0]], local(13, 8), "approved")
    _add_swap(database_url, ids[LEADERS[0][0]], ids[LEADERS[1][0]], local(15, 8), "pending")
    _add_rotation(database_url, [zhang, chen], date(2026, 12, 1))
    rows = _csv_rows(export(c, "unit=qdh&month=2026-11").content)
    assert rows[11][1] == "陈值班"  # override over the import
    assert rows[13][5] == "黄带班"  # approved swap
    assert rows[15][5] == "刘带班"  # a pending swap changes nothing
    december = _csv_rows(export(c, "unit=qdh&month=2026-12").content)
    assert [r[1] for r in december[1:5]] == ["张值班", "陈值班", "张值班", "陈值班"]
    assert december[1][3:] == ["", "", "", ""]  # nobody holds the other roles: empty cells


@pytest.mark.parametrize(
    ("query", "token", "content_type", "status", "field"),
    [
        ("unit=qdh&month=2026-11", "none", "text/csv", 401, None),
        ("unit=qdh", "office", "text/csv", 422, "month"),
        ("unit=qdh&month=2026-13", "office", "text/csv", 422, "month"),
        ("unit=qdh&month=2026/11", "office", "text/csv", 422, "month"),
        ("unit=qdh&month=11", "office", "text/csv", 422, "month"),
        ("month=2026-11", "office", "text/csv", 422, "unit"),
        ("unit=nowhere&month=2026-11", "office", "text/csv", 422, "unit"),
        ("unit=qdh&month=2026-11", "wsh", "text/csv", 403, None),
        ("unit=county&month=2026-11", "qdh", "text/csv", 403, None),
        ("unit=qdh&month=2026-11", "office", "application/json", 415, None),
    ],
)
def test_bad_import_requests_are_refused_and_change_nothing(
    database_url: str, query: str, token: str, content_type: str, status: int, field: str | None
) -> None:
    c = county(database_url)
    add_people(database_url)
    tokens = {"none": "nope", "office": c.office_token, **c.tokens}
    before = row_counts(database_url)
    answer = upload(
        c, csv_file(month_rows()), token=tokens[token], query=query, content_type=content_type
    )
    assert answer.status_code == status, answer.text
    if field is not None:
        assert field in [f["field"] for f in answer.json()["error"]["fields"]]
    assert row_counts(database_url) == before


def test_empty_oversized_and_fileless_uploads_are_refused(database_url: str) -> None:
    c = county(database_url)
    add_people(database_url)
    before = row_counts(database_url)
    assert upload(c, b"").status_code == 422
    assert upload(c, b"x" * 2_000_001).status_code == 413
    no_file = c.client.post(
        "/api/v1/roster/import?unit=qdh&month=2026-11",
        files={"other": ("a.csv", csv_file(month_rows()), "text/csv")},
        headers={"Authorization": f"Bearer {c.office_token}"},
    )
    assert no_file.status_code == 422
    assert no_file.json()["error"]["fields"][0]["field"] == "file"
    assert row_counts(database_url) == before


@pytest.mark.parametrize(
    ("query", "token", "status"),
    [
        ("unit=qdh&month=2026-11&format=pdf", "office", 422),
        ("unit=qdh&month=november", "office", 422),
        ("month=2026-11", "office", 422),
        ("unit=qdh&month=2026-11", "wsh", 403),
        ("unit=qdh&month=2026-11", "nope", 401),
        ("unit=qdh&month=2026-11", "qdh", 200),
    ],
)
def test_export_checks_its_parameters_and_who_asks(
    database_url: str, query: str, token: str, status: int
) -> None:
    c = county(database_url)
    tokens = {"office": c.office_token, "nope": "nope", **c.tokens}
    assert export(c, query, token=tokens[token]).status_code == status


def _csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def _session(database_url: str) -> Any:
    engine = make_engine(database_url)
    return engine, make_session_factory(engine)()


def _qdh_id(session: Any) -> int:
    unit = unit_by_code(session, code="qdh")
    assert unit is not None
    return unit.id


def _add_override(database_url: str, person: int, start: datetime, end: datetime) -> None:
    engine, session = _session(database_url)
    with session:
        session.add(
            RosterShift(
                unit_id=_qdh_id(session),
                role="duty_officer",
                person_id=person,
                starts_at=start,
                ends_at=end,
                source="override",
            )
        )
        session.commit()
    engine.dispose()


def _add_swap(database_url: str, giver: int, taker: int, start: datetime, state: str) -> None:
    engine, session = _session(database_url)
    with session:
        session.add(
            SwapRequest(
                unit_id=_qdh_id(session),
                role="leader_on_duty",
                from_person_id=giver,
                to_person_id=taker,
                starts_at=start,
                ends_at=start.replace(hour=23),
                requested_at=start,
                state=state,
            )
        )
        session.commit()
    engine.dispose()


def _add_rotation(database_url: str, members: list[int], starts_on: date) -> None:
    engine, session = _session(database_url)
    with session:
        session.add(
            Rotation(
                unit_id=_qdh_id(session),
                role="duty_officer",
                cadence="day",
                starts_on=starts_on,
                ends_on=None,
                changes_at=[time(8, 30).strftime("%H:%M")],
                members=members,
                created_at=local(1, 0),
            )
        )
        session.commit()
    engine.dispose()


def test_a_sheet_far_too_long_is_refused(database_url: str) -> None:
    c = county(database_url)
    add_people(database_url)
    rows = [*month_rows(), *[["", "", "", "", "", "", ""]] * 2500, ["2026-11-30", "x"]]
    answer = upload(c, xlsx_file(rows), content_type=MEDIA_TYPES["xlsx"])
    assert answer.status_code == 422
    assert [p["code"] for p in answer.json()["report"]] == ["too_many_rows"]
