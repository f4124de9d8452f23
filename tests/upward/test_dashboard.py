"""The upward report page over HTTP: the duty room drafts from a form the units' reports
prefill, with the clock in view; a leader approves, returns or declines it; what each may see
and do, and refusals that write nothing."""

from __future__ import annotations

import html
import re

from fastapi.testclient import TestClient

from tests.builders import County, at, county, initial, obligation, row_counts, seed_roster
from tests.dashboard.accounts import add_user, csrf_from, sign_in
from tests.upward.instances import free_port

UPWARD = {"parents": [{"name": "city", "title": "市政府总值班室", "url": "http://127.0.0.1:9"}]}


def _county(database_url: str) -> tuple[County, TestClient]:
    """A county whose parent is down, its duty room signed in on `.client` and a county
    leader on the second client."""
    parent = {**UPWARD["parents"][0], "url": f"http://127.0.0.1:{free_port()}"}
    c = county(
        database_url,
        environ={"JIBAO_UPWARD_TOKEN_CITY": "issued-by-the-city"},
        upward={"parents": [parent]},
    )
    people = seed_roster(database_url, start=at(0))
    add_user(database_url, "desk", "duty_room", "county", at(0), people[("county", "duty_officer")])
    add_user(database_url, "chen", "leader", "county", at(0))
    add_user(database_url, "qdh", "unit_officer", "qdh", at(0))
    assert sign_in(c.client, "desk").status_code == 303
    leader = TestClient(c.client.app)
    leader.__enter__()
    assert sign_in(leader, "chen").status_code == 303
    return c, leader


def _form(page: str, action: str) -> dict[str, str]:
    """What a browser would post from the form with `action` on `page`, as it stands."""
    start = page.index(f'action="{action}"')
    part = page[start : page.index("</form>", start)]
    values = {}
    for tag in re.findall(r"<input [^>]*>", part):
        name = re.search(r'name="([^"]+)"', tag)
        if name is None or ('type="checkbox"' in tag and "checked" not in tag):
            continue
        value = re.search(r'value="([^"]*)"', tag)
        values[name.group(1)] = html.unescape(value.group(1) if value else "")
    textareas = r'<textarea [^>]*name="([^"]+)"[^>]*>(.*?)</textarea>'
    for name, text in re.findall(textareas, part, re.S):
        values[name] = html.unescape(text)
    selects = r'<select [^>]*name="([^"]+)"[^>]*>(.*?)</select>'
    for name, options in re.findall(selects, part, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected', options)
        values[name] = chosen.group(1) if chosen else ""
    return values


def test_the_duty_room_drafts_from_the_prefilled_form_and_a_leader_approves(
    database_url: str,
) -> None:
    c, leader = _county(database_url)
    incident_id = c.post(initial()).json()["incident_id"]
    path = f"/incidents/{incident_id}/upward"
    page = c.client.get(path).text
    assert 'class="countdown" data-due="2026-11-21T12:00:00+08:00"' in page
    form = _form(page, path)
    assert form["title"] == initial()["title"] and form["description"] == initial()["description"]
    assert form["reporter.name"] == "周值班"  # the signed-in officer
    assert form["casualties.injured"] == "3" and form["already_reported_none"] == "on"

    form["description"] = "县统一口径：脚手架坍塌，1人重伤"
    answer = c.client.post(path, data=form, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    assert "待审定" in c.client.get(path).text
    assert "decide-heading" not in c.client.get(path).text  # deciding is a leader's

    page = leader.get(path).text
    (report_id,) = re.findall(r'/upward/(\d+)/decision"', page)
    decide = {"csrf_token": csrf_from(page), "decision": "approve", "reason": ""}
    answer = leader.post(f"{path}/{report_id}/decision", data=decide, follow_redirects=False)
    assert answer.status_code == 303
    page = c.client.get(path).text
    assert "已审定" in page and "投递中" in page
    k4 = obligation(c.incident(incident_id), "upward")
    assert (k4["status"], k4["due_at"]) == ("pending", at(12).isoformat())
    incident_page = c.client.get(f"/incidents/{incident_id}").text
    assert "chen 审定批准首报" in incident_page and "上报上级" in incident_page
    leader.__exit__(None, None, None)


def test_refused_forms_say_why_and_write_nothing(database_url: str) -> None:
    c, leader = _county(database_url)
    incident_id = c.post(initial()).json()["incident_id"]
    path = f"/incidents/{incident_id}/upward"
    form = _form(c.client.get(path).text, path)
    before = row_counts(database_url)
    bad = {**form, "reporter.phone": "12345", "occurred_at": "soon", "description": ""}
    answer = c.client.post(path, data=bad)
    assert answer.status_code == 422
    assert "须为手机号" in answer.text or "格式" in answer.text
    assert row_counts(database_url) == before

    assert c.client.post(path, data=form, follow_redirects=False).status_code == 303
    page = leader.get(path).text
    (report_id,) = re.findall(r'/upward/(\d+)/decision"', page)
    before = row_counts(database_url)
    returned = {"csrf_token": csrf_from(page), "decision": "return", "reason": " "}
    answer = leader.post(f"{path}/{report_id}/decision", data=returned)
    assert answer.status_code == 422 and "必填" in answer.text
    assert row_counts(database_url) == before
    # the duty room may not decide, a unit officer may not see it
    decide = {"csrf_token": csrf_from(c.client.get(path).text), "decision": "approve"}
    assert c.client.post(f"{path}/{report_id}/decision", data=decide).status_code == 403
    unit = TestClient(c.client.app)
    unit.__enter__()
    assert sign_in(unit, "qdh").status_code == 303
    assert unit.get(path).status_code == 403
    unit.__exit__(None, None, None)
    leader.__exit__(None, None, None)


def test_a_leader_declines_to_forward_with_a_reason_and_k4_is_waived(database_url: str) -> None:
    c, leader = _county(database_url)
    incident_id = c.post(initial()).json()["incident_id"]
    path = f"/incidents/{incident_id}/upward"
    form = _form(c.client.get(path).text, path)
    assert c.client.post(path, data=form, follow_redirects=False).status_code == 303
    page = leader.get(path).text
    (report_id,) = re.findall(r'/upward/(\d+)/decision"', page)
    decline = {"csrf_token": csrf_from(page), "decision": "decline", "reason": "经核实系误报"}
    answer = leader.post(f"{path}/{report_id}/decision", data=decline, follow_redirects=False)
    assert answer.status_code == 303
    incident = c.incident(incident_id)
    k4 = obligation(incident, "upward")
    assert (k4["status"], k4["reason"]) == ("waived", "经核实系误报")
    declined = [e for e in incident["timeline"] if e["kind"] == "upward_declined"]
    assert declined[0]["data"]["approver"] == "chen" and declined[0]["data"]["waived"] == "upward"
    assert "决定不上报" in c.client.get(path).text
    leader.__exit__(None, None, None)


def test_an_emailed_report_waits_for_the_confirmation_the_duty_room_records(
    database_url: str,
) -> None:
    from tests.notifiers.smtp_server import SmtpServer

    with SmtpServer(security="none") as smtp:
        parent = {
            "name": "city",
            "title": "市政府总值班室",
            "route": "email",
            "email": "zhiban@city.example.gov.cn",
        }
        c = county(
            database_url,
            upward={"parents": [parent]},
            notifications__email={"host": smtp.host, "port": smtp.port, "security": "none"},
        )
        people = seed_roster(database_url, start=at(0))
        add_user(
            database_url, "desk", "duty_room", "county", at(0), people[("county", "duty_officer")]
        )
        assert sign_in(c.client, "desk").status_code == 303
        incident_id = c.post(initial()).json()["incident_id"]
        bearer = {"Authorization": f"Bearer {c.office_token}"}
        reporter = {"name": "周值班", "post": "值班员", "phone": "13900000021"}
        draft = c.client.post(
            f"/api/v1/incidents/{incident_id}/upward",
            json={"fields": {"reporter": reporter}},
            headers=bearer,
        ).json()
        decided = c.client.post(
            f"/api/v1/upward/{draft['id']}/decision",
            json={"decision": "approve", "approver": "陈副县长"},
            headers=bearer,
        )
        assert decided.status_code == 200, decided.text
        c.at_tick(at(9, 20))
        assert len(smtp.received) == 1

        assert "已发送邮件，待确认接收" in c.client.get(f"/incidents/{incident_id}").text
        path = f"/incidents/{incident_id}/upward"
        page = c.client.get(path).text
        assert "已发送邮件，待确认接收" in page
        action = f"{path}/{draft['id']}/receipt"
        form = _form(page, action)
        assert form["how"] == "phone"
        before = row_counts(database_url)
        refused = c.client.post(action, data={**form, "received_at": "昨天"})
        assert refused.status_code == 422 and "已发送邮件，待确认接收" in refused.text
        early = c.client.post(action, data={**form, "received_at": "2026-11-21T09:00"})
        assert early.status_code == 422 and "不能早于邮件发出时间" in early.text
        assert row_counts(database_url) == before

        c.clock.set(at(9, 40))  # the city's duty room calls back: it had it at 09:25
        done = c.client.post(
            action, data={**form, "received_at": "2026-11-21T09:25"}, follow_redirects=False
        )
        assert done.status_code == 303, done.text
        page = c.client.get(done.headers["location"]).text
        assert "已登记上级确认接收" in page and "上级已接收" in page
        assert "登记上级确认（电话）" in page
        k4 = obligation(c.incident(incident_id), "upward")
        assert (k4["status"], k4["met_at"]) == ("met", at(9, 25).isoformat())
