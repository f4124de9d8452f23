"""Scenario 7 (DOMAIN §8) to its notice: the office registers a fire in 千岛湖镇 from a media
report and the township never files; at the end of the next day it has a missed candidate,
which is no notice source yet; the section head confirms it on the incident page, drafts the
notice from /notices, edits its 整改要求 and approves it: numbered 〔2026〕第1号, on the
timeline, emailed to the township's principal and duty officer; the township's officer reads
it, and only it."""

from __future__ import annotations

import re

from tests.builders import at
from tests.dashboard.accounts import csrf_from
from tests.notices.builders import listed
from tests.records.builders import findings, registered_never_filed, signed_in, unit

TITLE = "关于千岛湖镇漏报“某村民房火灾”的通报"
REASON = "经核实，该镇当日11:40已接村民电话报告，至次日结束未报县值班室"


def test_a_missed_report_confirmed_becomes_a_numbered_notice_the_unit_reads(
    database_url: str,
) -> None:
    c, incident_id = registered_never_filed(database_url)
    [candidate] = findings(c, incident_id)
    assert (candidate["kind"], candidate["state"]) == ("missed", "candidate")
    assert listed(c)["candidates"] == [], "a missed candidate is not a notice source yet"

    signed_in(c, "head")
    c.clock.set(at(9, day=23))
    page = c.client.get("/notices")
    assert page.status_code == 200 and "没有待起草的事项" in page.text
    confirmed = c.client.post(
        f"/incidents/{incident_id}/findings/{candidate['id']}",
        data={"csrf_token": csrf_from(page.text), "decision": "confirm", "reason": REASON},
        follow_redirects=False,
    )
    assert confirmed.status_code == 303, confirmed.text

    page = c.client.get("/notices")
    source = f"finding:{candidate['id']}"
    assert f'name="source" value="{source}"' in page.text and REASON in page.text
    drafted = c.client.post(
        "/notices",
        data={"csrf_token": csrf_from(page.text), "source": source},
        follow_redirects=False,
    )
    assert drafted.status_code == 303, drafted.text
    notice_url = drafted.headers["location"].split("?")[0]
    draft_page = c.client.get(notice_url)
    assert TITLE in draft_page.text and "草稿" in draft_page.text
    assert "2026年11月21日13:30前报送县政府总值班室，至次日结束仍未报送" in draft_page.text
    assert f"认定理由：{REASON}" in draft_page.text

    requirements = "请千岛湖镇于12月1日前书面说明未报原因，并落实24小时值班制度。"
    saved = c.client.post(
        notice_url,
        data={"csrf_token": csrf_from(draft_page.text), "requirements": requirements},
        follow_redirects=False,
    )
    assert saved.status_code == 303, saved.text
    c.clock.set(at(10, day=23))
    approved = c.client.post(
        f"{notice_url}/approval",
        data={"csrf_token": csrf_from(draft_page.text)},
        follow_redirects=False,
    )
    assert approved.status_code == 303, approved.text
    published = c.client.get(notice_url).text
    assert "〔2026〕第1号" in published and requirements in published
    assert 'action="' + notice_url + '/approval"' not in published, "approved: no more forms"

    c.tick()  # the outbox sends the notice's emails
    emails = [e for e in c.sent("email") if TITLE in e.subject]
    assert sorted(e.to for e in emails) == [
        "13900000001@example.gov.cn",  # 张值班, the township's duty officer on duty
        "13900000003@example.gov.cn",  # 王书记, its principal
    ]
    assert all(requirements in e.text and notice_url in e.text for e in emails)
    timeline = c.incident(incident_id)["timeline"]
    [event] = [e for e in timeline if e["kind"] == "notice_published"]
    assert (event["at"], event["data"]["number"], event["data"]["by"]) == (
        at(10, day=23).isoformat(),
        "〔2026〕第1号",
        "head",
    )

    signed_in(c, "qdh")
    mine = c.client.get("/notices")
    assert mine.status_code == 200 and TITLE in mine.text
    assert 'name="source"' not in mine.text, "a unit drafts nothing"
    read = c.client.get(notice_url)
    assert read.status_code == 200 and requirements in read.text and "〔2026〕第1号" in read.text
    incident_page = c.client.get(f"/incidents/{incident_id}").text
    assert f'href="{notice_url}"' in incident_page
    assert re.search(r"发布通报〔2026〕第1号：漏报（千岛湖镇，head）", incident_page)
    api = listed(c, unit(c))
    assert [n["number_text"] for n in api["notices"]] == ["〔2026〕第1号"]
    assert api["candidates"] == []

    signed_in(c, "wsh")
    assert TITLE not in c.client.get("/notices").text
    assert c.client.get(notice_url).status_code == 404
