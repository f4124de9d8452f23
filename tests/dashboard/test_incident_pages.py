"""The incident page and 登记 over HTTP: what the page shows, who may see it, the duty room's
forms (phone log, registration, acknowledge, handling finished, waive) and their refusals."""

from __future__ import annotations

import re
from typing import Any

from tests.builders import County, at, county, initial, obligation, row_counts, seed_roster
from tests.dashboard.accounts import add_user, csrf_from, sign_in

REGISTER = {
    "kind": "register",
    "unit": "qdh",
    "occurred_at": at(11, 30).isoformat(),
    "category": "accident",
    "severity": "III",
    "title": "某村民房火灾",
    "location": {"area": "千岛湖镇", "address": "富溪村"},
    "description": "媒体报道：某村民房起火",
}


def _desk(database_url: str, *, start: Any = None, **account: Any) -> County:
    """A county with a roster and a signed-in account (the duty room unless told otherwise)."""
    c = county(database_url, start=start or at(9, 10))
    people = seed_roster(database_url, start=at(0))
    role, unit = account.get("role", "duty_room"), account.get("unit", "county")
    person = people[("county", "duty_officer")] if account.get("person") else None
    add_user(database_url, "desk", role, unit, at(0), person_id=person)
    assert sign_in(c.client, "desk").status_code == 303
    return c


def _phone_form(**overrides: str) -> dict[str, str]:
    """The 电话报告 form filled as a duty officer would, complete (docs/api.md)."""
    form = {
        "form": "phone",
        "unit": "wsh",
        "title": "文昌镇山体滑坡",
        "occurred_at": "2026-11-21T08:30",
        "learned_at": "2026-11-21T08:40",
        "category": "natural_disaster",
        "severity": "III",
        "location.area": "文昌镇",
        "location.address": "王家村后山",
        "description": "山体滑坡掩埋一处民房",
        "extent": "滑坡体约 2000 方，仍有滑动迹象",
        "casualties.dead": "0",
        "casualties.missing": "不详",
        "casualties.seriously_injured": "0",
        "casualties.injured": "2",
        "casualties.trapped": "1",
        "direct_loss_wan_yuan": "不详",
        "measures": "已疏散周边 12 户",
        "leaders_informed": "分管副镇长在现场",
        "already_reported_to.0.to": "县应急管理局",
        "already_reported_to.0.at": "2026-11-21T08:50",
        "already_reported_to.0.level": "county",
        "reporter.name": "赵值班",
        "reporter.post": "党政办值班员",
        "reporter.phone": "13900000011",
    }
    return {**form, **overrides}


def _post(c: County, path: str, form: dict[str, str], page: str | None = None) -> Any:
    """POST a form with the CSRF token of the page it sits on."""
    token = csrf_from(c.client.get(page or path).text)
    return c.client.post(path, data={**form, "csrf_token": token}, follow_redirects=False)


def _registered_and_reported_late(c: County) -> int:
    """Scenario 6: registered from the media at 15:00, chased, reported by the unit at 15:40."""
    incident_id: int = c.post(REGISTER, token=c.office_token).json()["incident_id"]
    c.tick()
    c.clock.set(at(15, 40))
    answer = c.post(
        initial(
            incident_id=incident_id,
            occurred_at=at(11, 30).isoformat(),
            learned_at=at(11, 40).isoformat(),
        )
    )
    assert answer.status_code == 201, answer.text
    return incident_id


def test_the_page_shows_every_report_obligation_timeline_entry_and_message(
    database_url: str,
) -> None:
    c = _desk(database_url, start=at(15))
    incident_id = _registered_and_reported_late(c)
    page = c.client.get(f"/incidents/{incident_id}")
    assert page.status_code == 200
    html = page.text
    # both reports, oldest first, with their fields
    reports = html[html.index('id="filings-heading"') : html.index('id="timeline-heading"')]
    assert reports.index("1. 值班室登记（他处获知）") < reports.index("2. 首报")
    for text in ("媒体报道：某村民房起火", "新安东路工地", "张三", "13800000000", "县应急管理局"):
        assert text in html
    assert "12.5 万元" in html and "镇长在现场指挥" in html and "签发人" in html
    assert re.search(r"<th scope=\"col\">重伤</th>", html)
    # K1: late, in words, with minutes; the findings
    assert "迟报 2 小时" in html and "催报后报送" in html
    assert "疑似瞒报（待核实）" in html and "催报后才报送" in html
    assert "单位获知后 4 小时才报送" in html  # the finding's own figure, from its params
    # the timeline: the escalation step, who was told, every message's delivery
    assert "收到值班室登记（他处获知）（千岛湖镇）" in html
    assert "催报 首报 · 千岛湖镇" in html and "到期" in html
    assert "李分管" in html and "周值班" in html
    assert "短信" in html and "语音电话" in html and "未发送（演练模式）" in html
    assert "尝试 1 次" in html
    assert "首报 · 千岛湖镇：迟报 2 小时" in html
    live = c.client.get(f"/incidents/{incident_id}/live")
    assert live.status_code == 200 and "迟报 2 小时" in live.text


def test_pages_answer_in_english_too(database_url: str) -> None:
    c = _desk(database_url, start=at(15))
    incident_id = _registered_and_reported_late(c)
    c.client.cookies.set("lang", "en")
    html = c.client.get(f"/incidents/{incident_id}").text
    assert "Late by 2 h" in html and "Concealment suspected" in html
    assert "not sent (dry run)" in html
    assert "Log a phone report (电话报告)" in c.client.get("/incidents/new").text


def test_who_may_see_an_incident(database_url: str) -> None:
    c = _desk(database_url, role="unit_officer", unit="wsh")
    own = c.post(initial(title="文昌镇山体滑坡"), token=c.tokens["wsh"]).json()["incident_id"]
    other = c.post(initial()).json()["incident_id"]
    assert c.client.get(f"/incidents/{own}").status_code == 200
    refused = c.client.get(f"/incidents/{other}")
    assert refused.status_code == 403 and "脚手架" not in refused.text
    assert c.client.get(f"/incidents/{other}/live").status_code == 403
    assert c.client.get("/incidents/9999").status_code == 404
    assert c.client.get("/incidents/new").status_code == 403, "units do not log for others"
    page = c.client.get(f"/incidents/{own}").text
    assert "文昌镇山体滑坡" in page and "值班室操作" not in page, "no duty room actions for a unit"
    c.client.cookies.clear()
    anonymous = c.client.get(f"/incidents/{own}", follow_redirects=False)
    assert anonymous.headers["location"] == f"/login?next=/incidents/{own}"


def test_a_leader_sees_the_page_but_may_not_act(database_url: str) -> None:
    c = _desk(database_url, role="leader")
    incident_id = c.post(initial()).json()["incident_id"]
    page = c.client.get(f"/incidents/{incident_id}")
    assert page.status_code == 200 and "值班室操作" not in page.text
    token = csrf_from(page.text)
    finish = {"description": "处置完毕", "csrf_token": token}
    assert c.client.post(f"/incidents/{incident_id}/finish", data=finish).status_code == 403


def test_logging_a_phone_report_creates_the_incident_and_meets_k1(database_url: str) -> None:
    c = _desk(database_url)
    form = c.client.get("/incidents/new")
    assert form.status_code == 200
    assert '<label for="phone-occurred_at">' in form.text and 'type="datetime-local"' in form.text
    assert '<option value="wsh">文昌镇</option>' in form.text
    assert '<option value="county">县政府总值班室' not in form.text, (
        "the office does not call itself"
    )
    answer = _post(c, "/incidents/new", _phone_form())
    assert answer.status_code == 303
    match = re.fullmatch(r"/incidents/(\d+)\?done=phone_logged", answer.headers["location"])
    assert match
    incident = c.incident(int(match.group(1)))
    k1 = obligation(incident, "initial")
    assert (k1["status"], k1["met_at"]) == ("met", at(9, 10).isoformat())
    assert obligation(incident, "written")["status"] == "pending"
    filing = incident["filings"][0]
    assert (filing["kind"], filing["unit"], filing["filed_by"], filing["complete"]) == (
        "phone",
        "wsh",
        "county",
        True,
    )
    body = filing["body"]
    assert body["occurred_at"] == at(8, 30).isoformat(), "read in the configured zone"
    assert body["casualties"] == {
        "dead": 0,
        "missing": "unknown",
        "seriously_injured": 0,
        "injured": 2,
        "trapped": 1,
    }
    page = c.client.get(answer.headers["location"]).text
    assert "电话报告已登记" in page and "按时" in page and "要素齐全" in page


def test_a_bad_form_comes_back_with_the_field_named_and_writes_nothing(
    database_url: str,
) -> None:
    c = _desk(database_url)
    before = row_counts(database_url)
    missing = _post(c, "/incidents/new", _phone_form(occurred_at=""))
    assert missing.status_code == 422
    assert re.search(r'id="phone-occurred_at"[^>]*aria-invalid="true"', missing.text)
    assert '<p class="error field-error" id="phone-occurred_at-error">必填</p>' in missing.text
    assert 'value="文昌镇山体滑坡"' in missing.text, "what was typed is kept"
    later = {"occurred_at": "2026-11-21T12:00", "learned_at": "2026-11-21T12:00"}
    future = _post(c, "/incidents/new", _phone_form(**later))
    assert future.status_code == 422 and "不能晚于当前时间" in future.text
    c.client.cookies.set("lang", "en")
    bad = _post(c, "/incidents/new", _phone_form(**{"casualties.dead": "两人", "unit": ""}))
    assert bad.status_code == 422
    assert 'id="phone-casualties-dead-error">must be a whole number' in bad.text
    assert 'id="phone-unit-error">required<' in bad.text
    assert row_counts(database_url) == before


def test_registering_an_incident_learned_elsewhere_starts_the_units_clock(
    database_url: str,
) -> None:
    c = _desk(database_url, start=at(15))
    form = {
        "form": "register",
        "unit": "qdh",
        "source": "media",
        "source_detail": "千岛湖新闻",
        "title": "某村民房火灾",
        "occurred_at": "2026-11-21T11:30",
        "category": "accident",
        "severity": "III",
        "description": "某村民房起火",
    }
    refused = _post(c, "/incidents/new", {**form, "source": ""})
    assert refused.status_code == 422 and 'id="register-source-error">必填' in refused.text
    answer = _post(c, "/incidents/new", form)
    assert answer.status_code == 303, answer.text
    incident_id = int(answer.headers["location"].split("/")[2].split("?")[0])
    incident = c.incident(incident_id)
    assert incident["filings"][0]["kind"] == "register"
    description = incident["filings"][0]["body"]["description"]
    assert description == "【获知渠道：媒体报道（千岛湖新闻）】某村民房起火"
    k1 = obligation(incident, "initial")
    assert (k1["status"], k1["owed_by"], k1["due_at"]) == ("pending", "qdh", at(13, 30).isoformat())
    c.tick()
    page = c.client.get(f"/incidents/{incident_id}").text
    assert "已逾期" in page and "李分管" in page
    assert "登记千岛湖镇的电话报告（首报）" in page, "the unit's first report is still owed"


def test_acknowledge_lands_on_the_timeline_with_the_person(database_url: str) -> None:
    c = _desk(database_url, person=True)
    incident_id = c.post(initial()).json()["incident_id"]
    followup = obligation(c.incident(incident_id), "followup:unit:1")
    page = f"/incidents/{incident_id}"
    form = {"obligation_id": str(followup["id"])}
    answer = _post(c, f"{page}/acknowledge", form, page=page)
    assert answer.headers["location"] == f"{page}?done=acknowledged"
    acks = c.incident(incident_id)["acknowledgements"]
    assert [(a["obligation_id"], a["via"]) for a in acks] == [(followup["id"], "dashboard")]
    assert acks[0]["person_id"] is not None
    html = c.client.get(answer.headers["location"]).text
    assert "已确认收到" in html and "周值班 确认收到 续报一 · 千岛湖镇（值班台）" in html
    met = obligation(c.incident(incident_id), "initial")
    again = _post(c, f"{page}/acknowledge", {"obligation_id": str(met["id"])}, page=page)
    assert again.headers["location"] == f"{page}?done=not_open"


def test_handling_finished_starts_the_final_report_clock(database_url: str) -> None:
    c = _desk(database_url)
    incident_id = c.post(initial()).json()["incident_id"]
    page = f"/incidents/{incident_id}"
    before = row_counts(database_url)
    empty = _post(c, f"{page}/finish", {"description": " "}, page=page)
    assert empty.status_code == 422 and 'id="finish-description-error">必填' in empty.text
    assert row_counts(database_url) == before
    c.clock.set(at(18))
    answer = _post(c, f"{page}/finish", {"description": "现场处置完毕"}, page=page)
    assert answer.headers.get("location") == f"{page}?done=finished", answer.text[-3000:]
    incident = c.incident(incident_id)
    assert incident["state"] == "handling_finished"
    final = obligation(incident, "final:unit")
    assert (final["status"], final["due_at"]) == ("pending", at(18, day=22).isoformat())
    html = c.client.get(page).text
    assert "状态由“处置中”改为“处置结束，待终报”" in html and "现场处置完毕" in html
    assert "登记处置结束</summary>" not in html, "declared once"
    token = csrf_from(html)
    twice = c.client.post(f"{page}/finish", data={"description": "再次", "csrf_token": token})
    assert twice.status_code == 409 and "已登记处置结束，无需重复登记" in twice.text


def test_waiving_needs_a_reason_and_lands_on_the_timeline(database_url: str) -> None:
    c = _desk(database_url)
    incident_id = c.post(initial()).json()["incident_id"]
    upward = obligation(c.incident(incident_id), "upward")
    page = f"/incidents/{incident_id}"
    before = row_counts(database_url)
    bare = _post(c, f"{page}/waive", {"obligation_id": str(upward["id"]), "reason": ""}, page=page)
    assert bare.status_code == 422 and 'id="waive-reason-error">必填' in bare.text
    assert row_counts(database_url) == before
    form = {"obligation_id": str(upward["id"]), "reason": "市里已由县应急局直报"}
    answer = _post(c, f"{page}/waive", form, page=page)
    assert answer.headers["location"] == f"{page}?done=waived"
    waived = obligation(c.incident(incident_id), "upward")
    assert (waived["status"], waived["reason"]) == ("waived", "市里已由县应急局直报")
    html = c.client.get(page).text
    assert "向上级报告 · 县政府总值班室：已免报" in html and "desk 于" in html
    again = _post(c, f"{page}/waive", form, page=page)
    assert again.status_code == 422 and "该时限已报送或已免报" in again.text


def test_waiving_an_instruction_clock_on_the_incident_page_waives_it_for_the_instruction(
    database_url: str,
) -> None:
    c = _desk(database_url)
    incident_id = c.post(initial()).json()["incident_id"]
    office = {"Authorization": f"Bearer {c.office_token}"}
    body = {
        "issuer": {"name": "王县长", "post": "县长", "level": "county"},
        "received_at": at(9, 10).isoformat(),
        "text": "请千岛湖镇迅速核实情况。",
        "type": "act",
        "units": ["qdh"],
        "incident_id": incident_id,
    }
    iid = c.client.post("/api/v1/instructions", json=body, headers=office).json()["id"]
    relay = obligation(c.incident(incident_id), f"instruction:{iid}:qdh:relay")
    page = f"/incidents/{incident_id}"
    form = {"obligation_id": str(relay["id"]), "reason": "县领导已当面交办"}

    answer = _post(c, f"{page}/waive", form, page=page)

    assert answer.headers["location"] == f"{page}?done=waived"
    shown = c.client.get(f"/api/v1/instructions/{iid}", headers=office).json()
    assert [(w["key"], w["reason"], w["by"]) for w in shown["waivers"]] == [
        (relay["key"], "县领导已当面交办", "desk")
    ]
    assert obligation(shown, relay["key"])["status"] == "waived"
    html = c.client.get(page).text
    assert "批示 · 千岛湖镇：批示转办已免报（desk）" in html and "县领导已当面交办" in html


def test_a_phone_follow_up_is_logged_as_the_units_follow_up(database_url: str) -> None:
    c = _desk(database_url)
    incident_id = c.post(initial()).json()["incident_id"]
    page = f"/incidents/{incident_id}"
    c.clock.set(at(11))
    form = {
        "description": "又发现一名被困人员",
        "casualties.trapped": "1",
        "material_change": "on",
        "reporter.name": "张三",
        "reporter.post": "党政办值班员",
        "reporter.phone": "13800000000",
    }
    answer = _post(c, f"{page}/phone", form, page=page)
    assert answer.headers["location"] == f"{page}?done=phone_logged"
    incident = c.incident(incident_id)
    filing = incident["filings"][-1]
    assert (filing["kind"], filing["party"], filing["number"], filing["filed_by"]) == (
        "followup",
        "unit",
        1,
        "county",
    )
    assert obligation(incident, "followup:unit:1")["status"] == "met"
    assert "续报一" in c.client.get(page).text


def test_a_registered_incident_takes_the_units_first_report_by_phone(database_url: str) -> None:
    c = _desk(database_url, start=at(15))
    incident_id = c.post(REGISTER, token=c.office_token).json()["incident_id"]
    page = f"/incidents/{incident_id}"
    html = c.client.get(page).text
    assert 'id="phone-action-title"' in html and 'value="某村民房火灾"' in html, "prefilled"
    form = _phone_form(unit="", title="某村民房火灾", occurred_at="2026-11-21T11:30")
    form |= {"learned_at": "2026-11-21T14:30", "category": "accident", "form": ""}
    answer = _post(c, f"{page}/phone", form, page=page)
    assert answer.status_code == 303, answer.text
    incident = c.incident(incident_id)
    assert incident["filings"][-1]["kind"] == "phone"
    k1 = obligation(incident, "initial")
    assert (k1["status"], k1["due_at"]) == ("met", at(16, 30).isoformat())


def test_forms_without_the_csrf_token_are_refused_and_change_nothing(database_url: str) -> None:
    c = _desk(database_url)
    incident_id = c.post(initial()).json()["incident_id"]
    upward = obligation(c.incident(incident_id), "upward")
    before = row_counts(database_url)
    form = _phone_form(description="现场处置完毕", reason="理由", obligation_id=str(upward["id"]))
    actions = ("acknowledge", "finish", "waive", "phone")
    for path in ("/incidents/new", *(f"/incidents/{incident_id}/{a}" for a in actions)):
        for token in (None, "forged"):
            data = form if token is None else {**form, "csrf_token": token}
            answer = c.client.post(path, data=data, follow_redirects=False)
            assert answer.status_code == 403, path
    assert row_counts(database_url) == before


def test_findings_are_named_in_words(database_url: str) -> None:
    c = _desk(database_url)
    above = [{"to": "市应急管理局", "at": at(8, 30).isoformat(), "level": "city"}]
    figures = {"dead": 5, "missing": 0, "seriously_injured": 0, "injured": 0, "trapped": 0}
    body = initial(severity="IV", casualties=figures, already_reported_to=above)
    incident_id = c.post(body).json()["incident_id"]
    html = c.client.get(f"/incidents/{incident_id}").text
    assert "伤亡数字对应 III 级，高于所报 IV 级（疑似轻报）" in html
    assert "程序不规范（越级先报）" in html and "发现：疑似轻报" in html


def test_a_phone_log_lacking_elements_says_so_on_its_clock_and_is_completed_by_another(
    database_url: str,
) -> None:
    """电话报告要素不全: the first-report row names what the log lacks (not 尚未报送), links to
    the phone form holding what was said, and a complete log then meets the clock."""
    c = _desk(database_url)
    partial = {
        k: v for k, v in _phone_form().items() if k != "learned_at" and k != "direct_loss_wan_yuan"
    }
    answer = _post(c, "/incidents/new", partial)
    assert answer.status_code == 303, answer.text
    incident_id = int(re.search(r"/incidents/(\d+)", answer.headers["location"]).group(1))  # type: ignore[union-attr]
    assert obligation(c.incident(incident_id), "initial")["status"] == "pending"
    c.clock.set(at(11, 41))  # the first report was due long before
    page = f"/incidents/{incident_id}"
    html = c.client.get(page).text
    row = html[html.index('id="obligation-') : html.index("</tr>", html.index('id="obligation-'))]
    assert "电话报告要素不全：缺 获知时间、直接经济损失" in row, row
    assert "尚未报送" not in row and re.search(r">已逾期 \d+ (小时|分钟)", row), row
    assert f'href="/incidents/{incident_id}?form=phone#phone-action"' in row
    opened = c.client.get(f"{page}?form=phone").text
    assert '<details id="phone-action" open>' in opened
    assert 'value="王家村后山"' in opened and "山体滑坡掩埋一处民房" in opened, "what was said"
    assert 'value="县应急管理局"' in opened and 'value="赵值班"' in opened
    assert "登记文昌镇的电话报告（首报）" in opened, "completed by a phone log, not a 续报"
    complete = _phone_form(unit="", title="文昌镇山体滑坡", form="")
    assert _post(c, f"{page}/phone", complete, page=page).status_code == 303
    k1 = obligation(c.incident(incident_id), "initial")
    assert (k1["status"], k1["met_at"]) == ("late", at(11, 41).isoformat())
    assert "要素不全：缺" not in c.client.get(page).text.split('id="filings')[0]
