"""查岗 answered by SMS: the officer replies 在岗 (with or without the code) and it is logged."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import httpx

from tests.builders import at, phone_of
from tests.engine.harness import scene
from tests.notifiers.twilio_standin import TwilioStandIn


def test_duty_check_is_answered_by_replying_在岗(database_url: str, twilio: TwilioStandIn) -> None:
    filed = scene(database_url, twilio=twilio)
    filed.app.clock.set(at(10))
    office = {"Authorization": f"Bearer {filed.seeded.office_token}"}
    base = filed.app.base_url
    check = httpx.post(f"{base}/api/v1/roster/duty-checks", json={"unit": "qdh"}, headers=office)
    assert check.status_code == 201, check.text
    filed.app.tick()
    officer = phone_of("qdh", "duty_officer")
    assert [m for m in twilio.messages_to(officer) if check.json()["code"] in m.body]
    filed.app.clock.set(at(10, 4))
    posted = twilio.send_inbound_sms(
        f"{base}/api/v1/twilio/sms", officer, f"在岗 {check.json()['code']}"
    )
    reply = ET.fromstring(posted.text).find("Message")
    assert reply is not None and reply.text == "已记录在岗，谢谢。"
    listed = httpx.get(f"{base}/api/v1/roster/duty-checks", headers=office).json()
    assert listed["checks"][0]["answered_in_time"] is True
    assert listed["record"]["qdh"] == {"asked": 1, "answered": 1, "missed": 0}
