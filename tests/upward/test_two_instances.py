"""Issue 12's story on two Jibao instances, a city and a county, each on its own database: a
township files at the county, the county drafts its report to the city, a leader approves it,
the county files it at the city, and the county's K4 is met at the city's receipt time (late
by the minutes it was late); the city shows the county's report. And a city that is down: the
delivery is retried, the K4 ladder escalates, and the report is filed once when it is back."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from sqlalchemy import update

from alerts.storage import models as m
from alerts.storage.database import make_engine
from tests.builders import at, initial, obligation
from tests.upward.instances import Pair, pair, start_city

REPORTER = {"name": "周值班", "post": "县政府总值班室值班员", "phone": "13900000021"}


def test_a_township_report_reaches_the_city_and_meets_k4_at_the_city_receipt(
    tmp_path: Path,
) -> None:
    both = pair(tmp_path, start=at(9, 10))
    incident_id = both.county.post(initial(), both.seeded.tokens["qdh"])["incident_id"]
    k4 = _county_obligation(both, incident_id, "upward")
    assert (k4["due_at"], k4["status"]) == (at(12).isoformat(), "pending")

    status, listed = both.as_county("GET", f"/api/v1/incidents/{incident_id}/upward")
    assert status == 200 and listed["owed"]["key"] == "upward"
    proposal = listed["proposal"]
    assert proposal["kind"] == "first"
    assert proposal["fields"]["description"] == initial()["description"]
    assert proposal["fields"]["casualties"]["injured"] == 3

    draft = _draft(both, incident_id, {"reporter": REPORTER})
    assert (draft["state"], draft["kind"], draft["delivery"]["state"]) == ("draft", "first", "none")
    said = "县统一口径：脚手架坍塌，1人重伤、3人轻伤，现场已控制"
    status, edited = both.as_county("PATCH", f"/api/v1/upward/{draft['id']}", _fields(said))
    assert status == 200 and edited["fields"]["description"] == said

    both.seeded.clock.set(at(12, 20))
    approved = _decide(both, draft["id"], "approve", "陈副县长")
    assert approved["state"] == "approved" and approved["decided_by"] == "陈副县长"
    assert approved["delivery"]["state"] == "sending"
    after = _county_obligation(both, incident_id, "upward")
    assert (after["due_at"], after["status"]) == (k4["due_at"], "pending")  # review: clock runs

    both.county.at_tick(at(12, 30))  # the delivery goes out now, half an hour after K4's due
    report = _report(both, draft["id"])
    assert report["delivery"]["state"] == "received"
    assert report["delivery"]["received_at"] == at(12, 30).isoformat()
    assert report["delivery"]["counted_at"] == at(12, 30).isoformat()
    assert report["delivery"]["parent_obligations"], "the city's 201 says what the county owes"
    k4 = _county_obligation(both, incident_id, "upward")
    assert (k4["status"], k4["late_minutes"], k4["met_at"]) == ("late", 30, at(12, 30).isoformat())

    (at_city,) = both.as_city("/api/v1/incidents?state=open")["incidents"]
    assert at_city["id"] == report["delivery"]["parent_incident_id"]
    assert (at_city["unit"], at_city["title"]) == ("county", initial()["title"])
    city_incident = both.as_city(f"/api/v1/incidents/{at_city['id']}")
    (filed,) = city_incident["filings"]
    assert (filed["kind"], filed["unit"], filed["received_at"]) == (
        "initial",
        "county",
        at(12, 30).isoformat(),
    )
    assert filed["body"]["description"] == said and filed["body"]["signed_by"] == "陈副县长"
    assert filed["body"]["external_ref"] == f"county-{incident_id}"

    kinds = [e["kind"] for e in _county_incident(both, incident_id)["timeline"]]
    for kind in ("upward_drafted", "upward_edited", "upward_approved", "upward_received"):
        assert kind in kinds

    # the 续报 goes to the same incident at the city and meets the county's follow-up clock
    followup = _draft(both, incident_id, {"description": "续报：伤员已送医，无新增伤亡"})
    assert (followup["kind"], followup["number"]) == ("followup", 1)
    both.seeded.clock.set(at(13))
    _decide(both, followup["id"], "approve", "陈副县长")
    both.county.at_tick(at(13, 5))
    assert _report(both, followup["id"])["delivery"]["state"] == "received"
    city_filings = both.as_city(f"/api/v1/incidents/{at_city['id']}")["filings"]
    assert [(f["kind"], f["number"]) for f in city_filings] == [("initial", None), ("followup", 1)]
    county_followup = _county_obligation(both, incident_id, "followup:office:1")
    assert county_followup["status"] == "met"
    assert county_followup["met_at"] == at(13, 5).isoformat()


def test_a_city_that_is_down_is_retried_escalated_and_filed_once_when_back(
    tmp_path: Path,
) -> None:
    both = pair(
        tmp_path,
        start=at(9, 10),
        city_up=False,
        notifications__backoff="2m",
        notifications__max_attempts=20,
    )
    incident_id = both.county.post(initial(), both.seeded.tokens["qdh"])["incident_id"]
    both.seeded.clock.set(at(11))
    first = _draft(both, incident_id, {"reporter": REPORTER})
    _decide(both, first["id"], "approve", "陈副县长")
    both.county.tick()
    report = _report(both, first["id"])
    assert report["delivery"]["state"] == "sending"  # retrying
    assert "ClientConnectorError" in (report["delivery"]["last_error"] or "")

    # a 续报 approved meanwhile waits for the city's incident id, from the 首报's receipt
    followup = _draft(both, incident_id, {"description": "续报：现场清理中"})
    _decide(both, followup["id"], "approve", "陈副县长")
    assert _report(both, followup["id"])["delivery"]["state"] == "waiting"

    both.county.at_tick(at(12))  # K4 falls due undelivered: its ladder fires
    steps = [
        e["data"]["step"]
        for e in _county_incident(both, incident_id)["timeline"]
        if e["kind"] == "escalation_fired" and e["data"]["obligation"] == "upward"
    ]
    assert "due" in steps
    assert _county_obligation(both, incident_id, "upward")["status"] == "pending"
    attempts = _report(both, first["id"])["delivery"]["attempts"]
    assert attempts >= 2

    both = dataclasses.replace(
        both, city=start_city(both.city_database, both.seeded.clock, _port(both))
    )
    both.county.at_tick(at(12, 10))
    report = _report(both, first["id"])
    assert report["delivery"]["state"] == "received"
    assert report["delivery"]["attempts"] == attempts + 1
    assert _report(both, followup["id"])["delivery"]["state"] == "received"
    k4 = _county_obligation(both, incident_id, "upward")
    assert (k4["status"], k4["late_minutes"]) == ("late", 10)

    # a lost receipt (the row queued again) files nothing twice: the key replays the answer
    engine = make_engine(both.county.settings.database_url)
    with engine.begin() as connection:
        connection.execute(
            update(m.Notification)
            .where(m.Notification.id == report["delivery"]["notification_id"])
            .values(state="queued", next_attempt_at=at(12, 10))
        )
    engine.dispose()
    both.county.at_tick(at(12, 15))
    (at_city,) = both.as_city("/api/v1/incidents?state=open")["incidents"]
    filings = both.as_city(f"/api/v1/incidents/{at_city['id']}")["filings"]
    assert [f["kind"] for f in filings] == ["initial", "followup"]
    assert [f["received_at"] for f in filings] == [at(12, 10).isoformat()] * 2
    assert _report(both, first["id"])["delivery"]["received_at"] == at(12, 10).isoformat()


def test_a_city_that_refuses_the_report_fails_it_for_good_until_it_is_resent(
    tmp_path: Path,
) -> None:
    both = pair(tmp_path, start=at(9, 10), token="not-the-token-the-city-issued")
    incident_id = both.county.post(initial(), both.seeded.tokens["qdh"])["incident_id"]
    first = _draft(both, incident_id, {"reporter": REPORTER})
    _decide(both, first["id"], "approve", "陈副县长")
    both.county.tick()
    delivery = _report(both, first["id"])["delivery"]
    assert delivery["state"] == "failed" and delivery["attempts"] == 1
    assert delivery["last_error"].startswith("HTTP 401: unauthorized")
    timeline = _county_incident(both, incident_id)["timeline"]
    assert [e["data"]["report_id"] for e in timeline if e["kind"] == "upward_failed"] == [
        first["id"]
    ]
    assert _county_obligation(both, incident_id, "upward")["status"] == "pending"
    assert both.as_city("/api/v1/incidents?state=all")["incidents"] == []

    status, resent = both.as_county(
        "POST", f"/api/v1/upward/{first['id']}/resend", {"by": "周值班"}
    )
    assert status == 200 and resent["delivery"]["state"] == "sending"
    both.county.tick()
    assert _report(both, first["id"])["delivery"]["state"] == "failed"


def _port(both: Pair) -> int:
    return int(both.city_url.rsplit(":", 1)[1])


def _fields(description: str) -> dict[str, Any]:
    return {"fields": {"description": description}}


def _draft(both: Pair, incident_id: int, fields: dict[str, Any]) -> Any:
    status, body = both.as_county(
        "POST", f"/api/v1/incidents/{incident_id}/upward", {"fields": fields}
    )
    assert status == 201, body
    return body


def _decide(both: Pair, report_id: int, decision: str, approver: str, reason: str = "") -> Any:
    status, body = both.as_county(
        "POST",
        f"/api/v1/upward/{report_id}/decision",
        {"decision": decision, "approver": approver, "reason": reason},
    )
    assert status == 200, body
    return body


def _report(both: Pair, report_id: int) -> Any:
    status, body = both.as_county("GET", f"/api/v1/upward/{report_id}")
    assert status == 200, body
    return body


def _county_incident(both: Pair, incident_id: int) -> Any:
    return both.county.incident(incident_id, both.seeded.office_token)


def _county_obligation(both: Pair, incident_id: int, key: str) -> Any:
    return obligation(_county_incident(both, incident_id), key)
