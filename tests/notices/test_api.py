"""Notices by API: the office's token lists every notice and the candidates, drafts from one,
edits the draft's 整改要求, approves it and discards another; numbers run 1, 2 … within the office
and the year of approval and start again in January; a unit's token reads only the approved
notices addressed to it, each with the facts frozen when it was drafted."""

from __future__ import annotations

from datetime import datetime

from tests.builders import CST, at, county, initial
from tests.notices.builders import (
    LATE_TITLE,
    approve,
    candidate,
    decide,
    draft,
    finding_id,
    late_and_missed,
    listed,
    office,
    unit,
)


def test_draft_edit_approve_and_read_as_the_unit(database_url: str) -> None:
    c, late_incident, missed_incident = late_and_missed(database_url)
    late = candidate(c, "late")
    assert (late["incident_id"], late["unit"], late["report_kind"], late["minutes_late"]) == (
        late_incident,
        "qdh",
        "initial",
        60,
    )
    assert (late["due_at"], late["received_at"], late["reason"]) == (
        at(10).isoformat(),
        at(11).isoformat(),
        "",
    )
    answer = draft(c, late["source"])
    assert answer.status_code == 201, answer.text
    notice = answer.json()
    assert (notice["state"], notice["number"], notice["number_text"]) == (
        "draft",
        None,
        "草稿，未审批",
    )
    assert notice["title"] == f"关于千岛湖镇迟报“{LATE_TITLE}”的通报"
    assert notice["body"].startswith("2026年11月21日08:00发生的")
    assert "实际于2026年11月21日11:00收到，迟报 1 小时。" in notice["body"]
    assert notice["emails"] == [] and notice["drafted_by"] == "县政府总值班室"
    assert [s["kind"] for s in listed(c)["candidates"]] == [], "drafted: no longer a candidate"
    assert listed(c, unit(c))["notices"] == [], "a draft is the office's alone"
    assert c.client.get(f"/api/v1/notices/{notice['id']}", headers=unit(c)).status_code == 404

    edited = c.client.patch(
        f"/api/v1/notices/{notice['id']}",
        json={"requirements": "  请于3日内书面说明原因。 "},
        headers=office(c),
    )
    assert edited.status_code == 200 and edited.json()["requirements"] == "请于3日内书面说明原因。"

    c.clock.set(at(10, day=24))
    approved = approve(c, notice["id"])
    assert approved.status_code == 200, approved.text
    body = approved.json()
    assert (body["state"], body["year"], body["number"], body["number_text"]) == (
        "approved",
        2026,
        1,
        "〔2026〕第1号",
    )
    assert (body["approved_at"], body["approved_by"]) == (
        at(10, day=24).isoformat(),
        "县政府总值班室",
    )
    assert sorted((e["to"], e["state"]) for e in body["emails"]) == [
        ("张值班", "queued"),
        ("王书记", "queued"),
    ]
    mine = listed(c, unit(c))
    assert [n["id"] for n in mine["notices"]] == [notice["id"]] and mine["candidates"] == []
    one = c.client.get(f"/api/v1/notices/{notice['id']}", headers=unit(c))
    assert one.status_code == 200 and one.json()["requirements"] == "请于3日内书面说明原因。"
    assert listed(c, unit(c, "wsh"))["notices"] == []
    assert (
        c.client.get(f"/api/v1/notices/{notice['id']}", headers=unit(c, "wsh")).status_code == 404
    )

    decide(c, finding_id(c, missed_incident), "confirm", "核实属实")
    missed = candidate(c, "missed")
    second = draft(c, missed["source"], requirements="限期整改。").json()
    assert second["requirements"] == "限期整改。" and second["reason"] == "核实属实"
    assert approve(c, second["id"]).json()["number"] == 2
    assert [n["number"] for n in listed(c)["notices"]] == [2, 1]


def test_numbers_start_again_each_year_and_a_discarded_draft_frees_its_source(
    database_url: str,
) -> None:
    c, _, missed_incident = late_and_missed(database_url)
    decide(c, finding_id(c, missed_incident), "confirm")
    c.clock.set(datetime(2026, 12, 31, 23, 50, tzinfo=CST))
    late = draft(c, candidate(c, "late")["source"]).json()
    missed = draft(c, candidate(c, "missed")["source"]).json()
    assert approve(c, late["id"]).json()["number_text"] == "〔2026〕第1号"
    gone = c.client.delete(f"/api/v1/notices/{missed['id']}", headers=office(c))
    assert gone.status_code == 204 and gone.content == b""
    assert c.client.get(f"/api/v1/notices/{missed['id']}", headers=office(c)).status_code == 404
    again = draft(c, candidate(c, "missed")["source"]).json()
    c.clock.set(datetime(2027, 1, 1, 0, 10, tzinfo=CST))  # the new year in Asia/Shanghai
    assert approve(c, again["id"]).json()["number_text"] == "〔2027〕第1号"


def test_a_late_written_report_and_the_countys_late_upward_report_are_sources(
    database_url: str,
) -> None:
    # scenario 4: a phone log meets K1 at 22:10; the written report at 00:05 is 20 minutes late
    c = county(database_url, start=at(22, 10))
    phone = initial(
        kind="phone",
        unit="qdh",
        severity="II",
        occurred_at=at(21, 40).isoformat(),
        learned_at=at(21, 45).isoformat(),
        signed_by=None,
        already_reported_to=[],
    )
    incident_id = c.post(phone, token=c.office_token).json()["incident_id"]
    c.clock.set(at(0, 5, day=22))
    written = initial(
        incident_id=incident_id,
        severity="II",
        occurred_at=at(21, 40).isoformat(),
        learned_at=at(21, 45).isoformat(),
    )
    assert c.post(written).status_code == 201
    c.clock.set(at(2, 0, day=22))  # K4 from occurrence was due 01:40: the county 20 minutes late
    upward = {"kind": "upward", "incident_id": incident_id, "description": "县里向市里报告"}
    assert c.post(upward, token=c.office_token).status_code == 201
    found = sorted(
        (s["report_kind"], s["unit"], s["minutes_late"]) for s in listed(c)["candidates"]
    )
    assert found == [("upward", "county", 20), ("written", "qdh", 20)]
    notice = draft(c, next(s["source"] for s in listed(c)["candidates"] if s["unit"] == "county"))
    assert notice.status_code == 201, notice.text
    assert notice.json()["title"] == f"关于县政府总值班室迟报“{LATE_TITLE}”的通报"
    assert "向上级报告应于2026年11月22日01:40前报送市政府总值班室" in notice.json()["body"]
