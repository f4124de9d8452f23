"""Instruction clocks on the ladder (scenario 8): overdue feedback climbs to the responsible
unit's principal (督办), through real engine ticks on dry channels; met feedback stops it."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from alerts.storage import models as m
from alerts.storage.database import make_engine, make_session_factory
from tests.builders import County, at, county, initial, phone_of, seed_roster

PATH = "/api/v1/instructions"


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _relayed(database_url: str, *, on_incident: bool) -> tuple[County, int]:
    """Scenario 8: received 10:00 with a deadline of 10:00 the next day, relayed 10:30 and
    acknowledged 10:50 by qdh."""
    c = county(database_url, start=at(9, 10))
    seed_roster(database_url, start=at(0), days=3)
    incident_id = c.post(initial()).json()["incident_id"] if on_incident else None
    c.clock.set(at(10, 0))
    body: dict[str, Any] = {
        "issuer": {"name": "王县长", "post": "县长", "level": "county"},
        "received_at": at(10, 0).isoformat(),
        "text": "请千岛湖镇24小时内报告处置结果。",
        "type": "act",
        "units": ["qdh"],
        "deadline_at": at(10, 0, day=22).isoformat(),
        "incident_id": incident_id,
    }
    iid = c.client.post(PATH, json=body, headers=_auth(c.office_token)).json()["id"]
    c.clock.set(at(10, 30))
    c.client.post(f"{PATH}/{iid}/units/qdh/relay", json={}, headers=_auth(c.office_token))
    c.clock.set(at(10, 50))
    c.client.post(f"{PATH}/{iid}/units/qdh/acknowledge", json={}, headers=_auth(c.tokens["qdh"]))
    c.at_tick(at(11))
    return c, iid


def _told(c: County, iid: int, clock: str) -> dict[str, set[str]]:
    """Who was told by SMS about one of the instruction's clocks, per ladder step."""
    return {step: set(sent) for step, sent in _messages(c, iid, clock).items()}


def _messages(c: County, iid: int, clock: str) -> dict[str, dict[str, str]]:
    """The SMS texts queued about one of the instruction's clocks, per step and address."""
    answer = c.client.get(f"{PATH}/{iid}", headers=_auth(c.office_token)).json()
    obligation_id = next(o["id"] for o in answer["obligations"] if o["key"].endswith(clock))
    engine = make_engine(c.settings.database_url)
    with make_session_factory(engine)() as session:
        rows = session.execute(
            select(m.Escalation.step_key, m.Notification.address, m.Notification.body)
            .join(m.Escalation, m.Escalation.id == m.Notification.escalation_id)
            .where(m.Notification.obligation_id == obligation_id, m.Notification.channel == "sms")
        ).all()
    engine.dispose()
    found: dict[str, dict[str, str]] = {}
    for step, address, body in rows:
        found.setdefault(step, {})[address] = body
    return found


@pytest.mark.parametrize("on_incident", [True, False], ids=["on-an-incident", "on-none"])
def test_overdue_feedback_climbs_to_the_units_principal(database_url, on_incident):
    c, iid = _relayed(database_url, on_incident=on_incident)
    c.at_tick(at(9, 30, day=22))  # 30 minutes before the deadline: the unit's duty officer
    c.at_tick(at(10, 0, day=22))
    c.at_tick(at(10, 30, day=22))

    assert _told(c, iid, ":feedback") == {
        "remind": {phone_of("qdh", "duty_officer")},
        "due": {phone_of("qdh", "leader"), phone_of("county", "duty_officer")},
        "supervise": {phone_of("qdh", "duty_officer"), phone_of("qdh", "principal")},  # 督办
        "due+30m": {phone_of("qdh", "principal"), phone_of("county", "section_head")},
    }
    text = _messages(c, iid, ":feedback")["due+30m"][phone_of("qdh", "principal")]
    assert "批示落实反馈" in text and "已逾期 30 分钟" in text


def test_feedback_on_time_stops_the_ladder(database_url):
    c, iid = _relayed(database_url, on_incident=True)
    c.clock.set(at(9, 0, day=22))
    feedback = {"kind": "feedback", "instruction_id": iid, "description": "已处置完毕"}
    assert c.post(feedback).status_code == 201

    c.at_tick(at(10, 30, day=22))

    assert _told(c, iid, ":feedback") == {}


def test_an_unrelayed_instruction_climbs_the_office_ladder(database_url):
    c = county(database_url, start=at(10, 0))
    seed_roster(database_url, start=at(0), days=2)
    body = {
        "issuer": {"name": "李市长", "post": "副市长", "level": "city"},
        "received_at": at(10, 0).isoformat(),
        "text": "请各地加强值守。",
        "type": "guidance",
        "units": ["qdh", "wsh"],
    }
    recorded = c.client.post(PATH, json=body, headers=_auth(c.office_token))
    assert recorded.status_code == 201

    c.at_tick(at(11, 0))

    assert _told(c, recorded.json()["id"], "qdh:relay") == {
        "remind": {phone_of("county", "duty_officer")},
        "due": {phone_of("county", "duty_officer"), phone_of("county", "leader_on_duty")},
        "due+30m": {phone_of("county", "director")},
    }
