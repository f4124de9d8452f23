"""Leader instructions (批示) on the dashboard over HTTP: the duty room records one (from the Now
board or an incident), relays, verifies, returns and closes it; a unit's officer acknowledges and
feeds back; the Now board and the incident page list it. Bad input and moves a viewer may not
make are refused and write nothing."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import event

from tests.builders import County, at, county, initial, row_counts, seed_roster
from tests.dashboard.accounts import add_user, csrf_from, sign_in

API = "/api/v1/instructions"
TEXT = "请千岛湖镇迅速核实情况，24小时内报告处置结果。"


def _record_form(**overrides: str) -> dict[str, str]:
    """The 登记批示 form as the duty room fills it in scenario 8."""
    form = {
        "issuer_name": "王县长",
        "issuer_post": "县长",
        "issuer_level": "county",
        "received_at": "2026-11-21T10:00",
        "text": TEXT,
        "kind": "act",
        "deadline_at": "2026-11-22T10:00",
        "unit.qdh": "on",
    }
    return {k: v for k, v in {**form, **overrides}.items() if v is not None}


def _county(database_url: str) -> County:
    """A county at 10:00 with a roster and accounts: the duty room, a leader, two units."""
    c = county(database_url, start=at(10))
    seed_roster(database_url, start=at(0))
    add_user(database_url, "desk", "duty_room", "county", at(0))
    add_user(database_url, "boss", "leader", "county", at(0))
    add_user(database_url, "qdh-officer", "unit_officer", "qdh", at(0))
    add_user(database_url, "wsh-officer", "unit_officer", "wsh", at(0))
    return c


def _as(c: County, username: str) -> None:
    """Sign the test client in as `username` (anyone signed in before is signed out)."""
    c.client.cookies.clear()
    assert sign_in(c.client, username).status_code == 303


def _post(c: County, path: str, form: dict[str, str], page: str) -> Any:
    """POST a form with the CSRF token of the page it sits on."""
    token = csrf_from(c.client.get(page).text)
    return c.client.post(path, data={**form, "csrf_token": token}, follow_redirects=False)


def _api(c: County, iid: int) -> Any:
    answer = c.client.get(f"{API}/{iid}", headers={"Authorization": f"Bearer {c.office_token}"})
    assert answer.status_code == 200, answer.text
    return answer.json()


def _recorded(c: County, **body: Any) -> int:
    """An instruction recorded through the API at 10:00, on qdh unless told otherwise."""
    payload = {
        "issuer": {"name": "王县长", "post": "县长", "level": "county"},
        "received_at": at(10).isoformat(),
        "text": TEXT,
        "type": "act",
        "units": ["qdh"],
        **body,
    }
    answer = c.client.post(API, json=payload, headers={"Authorization": f"Bearer {c.office_token}"})
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def _rows(database_url: str) -> dict[str, int]:
    """Rows in every table but the sign-ins', which switching accounts adds to."""
    return {k: v for k, v in row_counts(database_url).items() if k != "web_sessions"}


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_the_duty_room_records_an_instruction_on_an_incident(database_url: str) -> None:
    c = _county(database_url)
    incident_id = c.post(initial()).json()["incident_id"]
    _as(c, "desk")
    incident_page = c.client.get(f"/incidents/{incident_id}").text
    assert f'href="/instructions/new?incident={incident_id}"' in incident_page
    assert 'href="/instructions/new"' in c.client.get("/").text, "reachable from the Now board"
    form_page = c.client.get(f"/instructions/new?incident={incident_id}").text
    assert f'<option value="{incident_id}" selected>' in form_page, "the incident is prefilled"
    assert 'value="2026-11-21T10:00"' in form_page, "received now, unless told otherwise"

    page = f"/instructions/new?incident={incident_id}"
    answer = _post(c, "/instructions/new", _record_form(incident_id=str(incident_id)), page)

    assert answer.status_code == 303, answer.text
    match = re.fullmatch(r"/instructions/(\d+)\?done=recorded", answer.headers["location"])
    assert match
    iid = int(match.group(1))
    stored = _api(c, iid)
    assert (stored["issuer"], stored["type"], stored["text"]) == (
        {"name": "王县长", "post": "县长", "level": "county"},
        "act",
        TEXT,
    )
    assert (stored["incident_id"], stored["recorded_by"]) == (incident_id, "desk")
    assert stored["deadline_at"] == at(10, day=22).isoformat()
    assert stored["units"] == [{"unit": "qdh", "stage": "received"}]
    html = c.client.get(answer.headers["location"]).text
    assert "批示已登记，转办计时开始。" in html and TEXT in html
    assert "县长 王县长 · 县级" in _text(html) and "待转办" in html
    assert f'data-due="{at(10, 30).isoformat()}"' in html, "relay due 30 minutes after receipt"
    assert ">转办<" in html, "the duty room may relay"
    incident_html = c.client.get(f"/incidents/{incident_id}").text
    assert (
        f'href="/instructions/{iid}"' in incident_html and "收到县长 王县长的批示" in incident_html
    )
    board = c.client.get("/now/rows").text
    assert f'data-instruction="{iid}"' in board and "批示转办 · 截止 11-21 10:30" in _text(board)


def test_a_bad_record_form_names_each_field_and_writes_nothing(database_url: str) -> None:
    c = _county(database_url)
    _as(c, "desk")
    before = _rows(database_url)
    page = "/instructions/new"
    blank = _record_form(issuer_name="", received_at="昨天", **{"unit.qdh": None})  # type: ignore[arg-type]
    answer = _post(c, "/instructions/new", blank, page)
    assert answer.status_code == 422
    assert '<p class="error field-error" id="new-issuer_name-error">必填</p>' in answer.text
    assert 'id="new-received_at-error">请填写完整的日期和时间' in answer.text
    assert 'id="new-units-error">必填' in answer.text
    assert TEXT in answer.text, "what was typed is kept"
    early = _record_form(deadline_at="2026-11-21T09:00", received_at="2026-11-21T11:00")
    refused = _post(c, "/instructions/new", early, page)
    assert refused.status_code == 422
    assert 'id="new-deadline_at-error">不能早于收到批示的时间' in refused.text
    assert 'id="new-received_at-error">不能晚于当前时间' in refused.text
    stranger = _post(c, "/instructions/new", _record_form(incident_id="999"), page)
    assert stranger.status_code == 422 and 'id="new-incident_id-error">' in stranger.text
    assert _rows(database_url) == before


def test_record_relay_acknowledge_feed_back_verify_close(database_url: str) -> None:
    c = _county(database_url)
    iid = _recorded(c, deadline_at=at(10, day=22).isoformat())
    page = f"/instructions/{iid}"
    _as(c, "desk")
    c.clock.set(at(10, 20))
    relayed = _post(c, f"{page}/units/qdh/relay", {}, page)
    assert relayed.headers["location"] == f"{page}?done=relay"

    _as(c, "qdh-officer")
    html = c.client.get(page).text
    assert "已转办，待签收" in html and ">签收<" in html
    assert ">核验通过<" not in html and ">转办<" not in html, "no office buttons for a unit"
    board = _text(c.client.get("/now/rows").text)
    assert "批示签收 · 截止 11-21 11:20" in board, "the unit's own clock on its board"
    c.clock.set(at(10, 40))
    assert _post(c, f"{page}/units/qdh/acknowledge", {}, page).status_code == 303
    c.clock.set(at(15))
    feedback = {"description": "已核实：塌方路段已封闭，无人员伤亡。"}
    fed = _post(c, f"{page}/units/qdh/feedback", feedback, page)
    assert fed.headers["location"] == f"{page}?done=feed_back", fed.text

    _as(c, "desk")
    c.clock.set(at(16))
    returned = _post(c, f"{page}/units/qdh/return", {"reason": "请补充封闭时长"}, page)
    assert returned.headers["location"] == f"{page}?done=return"
    _as(c, "qdh-officer")
    c.clock.set(at(17))
    again = {"description": "封闭至明日 8 时。"}
    assert _post(c, f"{page}/units/qdh/feedback", again, page).status_code == 303
    _as(c, "desk")
    assert _post(c, f"{page}/units/qdh/verify", {}, page).status_code == 303
    assert _post(c, f"{page}/units/qdh/close", {}, page).status_code == 303

    stored = _api(c, iid)
    assert stored["units"] == [{"unit": "qdh", "stage": "closed"}]
    assert [(s["move"], s["by"]) for s in stored["steps"]] == [
        ("relay", "desk"),
        ("acknowledge", "qdh-officer"),
        ("feed_back", "千岛湖镇"),
        ("return", "desk"),
        ("feed_back", "千岛湖镇"),
        ("verify", "desk"),
        ("close", "desk"),
    ]
    statuses = {o["key"].split(":", 3)[3]: o["status"] for o in stored["obligations"]}
    assert statuses["feedback"] == "met" and statuses["verify"] == "met"
    history = _text(c.client.get(page).text)
    assert "千岛湖镇：退回补充（desk） 理由：请补充封闭时长" in history
    assert "已核实：塌方路段已封闭，无人员伤亡。" in history and "已办结" in history
    assert f'data-instruction="{iid}"' not in c.client.get("/now/rows").text, (
        "closed: off the board"
    )


def test_moves_a_viewer_may_not_make_are_refused_and_write_nothing(database_url: str) -> None:
    c = _county(database_url)
    iid = _recorded(c)
    page = f"/instructions/{iid}"
    _as(c, "desk")
    assert _post(c, f"{page}/units/qdh/relay", {}, page).status_code == 303
    c.clock.set(at(11))
    _as(c, "qdh-officer")
    assert (
        _post(c, f"{page}/units/qdh/feedback", {"description": "已落实"}, page).status_code == 303
    )
    before = _rows(database_url)
    for move in ("verify", "return", "close", "relay"):
        answer = _post(c, f"{page}/units/qdh/{move}", {"reason": "想自己核验"}, page)
        assert answer.status_code == 403, move
    _as(c, "wsh-officer")
    assert c.client.get(page).status_code == 403, "an instruction that does not name the unit"
    token = csrf_from(c.client.get("/").text)
    stolen = c.client.post(
        f"{page}/units/qdh/feedback", data={"description": "x", "csrf_token": token}
    )
    assert stolen.status_code == 403
    _as(c, "boss")
    assert ">核验通过<" not in c.client.get(page).text, "a leader reads only"
    assert _post(c, f"{page}/units/qdh/verify", {}, page).status_code == 403
    assert c.client.get("/instructions/new").status_code == 403
    _as(c, "desk")
    bare = _post(c, f"{page}/units/qdh/return", {"reason": " "}, page)
    assert bare.status_code == 422 and 'id="return-qdh-reason-error">必填' in bare.text
    forged = c.client.post(f"{page}/units/qdh/verify", data={"csrf_token": "forged"})
    assert forged.status_code == 403
    assert _rows(database_url) == before
    assert c.client.get("/instructions/999").status_code == 404


def test_bad_feedback_and_a_second_click_are_shown_beside_the_unit(database_url: str) -> None:
    c = _county(database_url)
    iid = _recorded(c, units=["qdh", "wsh"])
    page = f"/instructions/{iid}"
    _as(c, "desk")
    assert _post(c, f"{page}/units/qdh/relay", {}, page).status_code == 303
    before = _rows(database_url)
    twice = _post(c, f"{page}/units/qdh/relay", {}, page)
    assert twice.status_code == 409 and "该单位的批示刚有变化" in twice.text
    _as(c, "qdh-officer")
    html = c.client.get(page).text
    assert "文昌镇" not in html, "a unit sees its own part only"
    empty = _post(c, f"{page}/units/qdh/feedback", {"description": " "}, page)
    assert empty.status_code == 422 and 'id="feed_back-qdh-description-error">必填' in empty.text
    partial = {"description": "已落实", "reporter.name": "张值班", "reporter.post": ""}
    partial |= {"reporter.phone": "12"}
    named = _post(c, f"{page}/units/qdh/feedback", partial, page)
    assert named.status_code == 422 and 'id="feed_back-qdh-reporter-phone-error">' in named.text
    assert 'value="张值班"' in named.text, "what was typed is kept"
    early = _post(c, f"{page}/units/wsh/feedback", {"description": "已落实"}, page)
    assert early.status_code == 403, "another unit's feedback"
    assert _rows(database_url) == before


def test_reference_instructions_need_no_feedback_and_pages_speak_english(
    database_url: str,
) -> None:
    c = _county(database_url)
    iid = _recorded(c, type="reference")
    page = f"/instructions/{iid}"
    _as(c, "desk")
    assert _post(c, f"{page}/units/qdh/relay", {}, page).status_code == 303
    html = c.client.get(page).text
    assert "参阅件，无需反馈" in html and "代单位登记反馈" not in html
    assert ">代单位签收<" in html, "the office may acknowledge for a unit that phoned"
    c.client.cookies.set("lang", "en")
    english = c.client.get(page).text
    assert "Relayed, to acknowledge" in english and "For reference (参阅)" in english
    assert "Leader instructions (open)" in c.client.get("/now/rows").text
    assert "Record a leader instruction (批示)" in c.client.get("/instructions/new").text


def test_overdue_instructions_come_before_the_incidents_on_the_board(database_url: str) -> None:
    c = _county(database_url)
    c.post(initial())
    later = _recorded(c)
    c.clock.set(at(10, 20))
    sooner = _recorded(
        c, received_at=at(9, 55).isoformat(), text="请文昌镇做好防范。", units=["wsh"]
    )
    _as(c, "desk")
    calm = c.client.get("/now/rows").text
    assert calm.index('id="open-heading"') < calm.index('id="instructions-heading"')
    order = re.findall(r'data-instruction="(\d+)"', calm)
    assert order == [str(sooner), str(later)], "soonest due first"
    c.clock.set(at(10, 40))
    late = c.client.get("/now/rows").text
    assert late.index('id="instructions-heading"') < late.index('id="open-heading"')
    assert f'<li class="instruction-item late" data-instruction="{sooner}">' in late


def test_the_board_costs_as_many_statements_for_5_instructions_as_for_1(
    database_url: str,
) -> None:
    c = _county(database_url)
    database = c.client.app.state.services.database  # type: ignore[attr-defined]
    _recorded(c, units=["qdh", "wsh"])
    _as(c, "desk")

    def statements() -> int:
        c.client.get("/now/rows")  # once before counting: nothing first-time is counted
        sent: list[str] = []

        def record(*args: Any) -> None:
            sent.append(args[2])  # (connection, cursor, statement, parameters, context, many)

        event.listen(database, "before_cursor_execute", record)
        try:
            assert c.client.get("/now/rows").status_code == 200
        finally:
            event.remove(database, "before_cursor_execute", record)
        return len(sent)

    few = statements()
    for _ in range(4):
        _recorded(c, units=["wsh"])
    assert statements() == few
    assert len(re.findall(r'data-instruction="\d+"', c.client.get("/now/rows").text)) == 5
