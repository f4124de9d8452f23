"""收到 by every way the contract names, end to end through the served app: an SMS reply, a key
press in the voice call, the signed link; refused when unsigned, tampered or expired; each
acknowledgement pauses the ladder and lands on the incident's timeline."""

from __future__ import annotations

import copy
import re
import time
import xml.etree.ElementTree as ET
from datetime import timedelta
from typing import Any

from alerts.escalation.ladder import ack_code
from notifiers.voice import ACKNOWLEDGED, NOT_ACKNOWLEDGED
from tests.builders import at, phone_of, row_counts
from tests.engine.harness import Scene, scene
from tests.notifiers.twilio_standin import TwilioStandIn

SMS = "/api/v1/twilio/sms"
HEAD = ("county", "section_head")


def _told(database_url: str, twilio: TwilioStandIn, incidents: int = 1) -> Scene:
    """The default ladders; K4 of every incident falls due at 12:00 and the section head and the
    leader on duty are told by SMS and call."""
    twilio.callback_outcome.enabled = False
    filed = scene(database_url, twilio=twilio, incidents=incidents)
    filed.app.at_tick(at(12))
    return filed


def _reply(filed: Scene, twilio: TwilioStandIn, body: str, who: tuple[str, str] = HEAD) -> str:
    """Reply to the SMS as `who`; the text of the service's TwiML answer."""
    posted = twilio.send_inbound_sms(filed.app.base_url + SMS, phone_of(*who), body)
    assert posted.status == 200, posted.text
    message = ET.fromstring(posted.text).find("Message")
    assert message is not None and message.text, posted.text
    return message.text


def _acks(filed: Scene) -> list[tuple[int, str, int | None]]:
    return [
        (a["obligation_id"], a["via"], a["person_id"]) for a in filed.incident()["acknowledgements"]
    ]


def _acknowledged(incident: dict[str, Any]) -> list[dict[str, Any]]:
    return [e["data"] for e in incident["timeline"] if e["kind"] == "acknowledged"]


def test_replying_收到_with_one_open_item_acknowledges_it_and_pauses_the_ladder(
    database_url: str, twilio: TwilioStandIn
) -> None:
    filed = _told(database_url, twilio)
    k4 = filed.obligation_id("upward")
    filed.app.clock.set(at(12, 10))

    answer = _reply(filed, twilio, "收到")

    assert answer == f"已确认收到：{ack_code(k4)}。请尽快报送。"
    assert _acks(filed) == [(k4, "sms", filed.seeded.people[HEAD])]
    assert _acknowledged(filed.incident()) == [
        {"obligation": "upward", "via": "sms", "person": "郑科长"}
    ]
    director = phone_of("county", "director")
    filed.app.at_tick(at(12, 30))  # due+30m falls in the pause, which ends at 12:40
    assert twilio.messages_to(director) == []
    filed.app.at_tick(at(12, 40))
    assert len(twilio.messages_to(director)) == 1
    step = next(e for e in filed.incident()["escalations"] if e["step"] == "due+30m")
    assert step["scheduled_at"] == at(12, 40).isoformat()


def test_with_two_open_items_a_bare_reply_asks_which_and_a_code_picks_one(
    database_url: str, twilio: TwilioStandIn
) -> None:
    filed = _told(database_url, twilio, incidents=2)
    codes = sorted(ack_code(filed.obligation_id("upward", n)) for n in (0, 1))
    counts = row_counts(database_url)

    asked = _reply(filed, twilio, "1")
    unknown = _reply(filed, twilio, "收到 ZZZZ")

    assert asked.startswith("您有多项待办")
    assert all(code in asked for code in codes)
    assert unknown == "编号无效：ZZZZ"
    assert row_counts(database_url) == counts, "a reply that named nothing stored something"

    chosen = codes[1]
    assert _reply(filed, twilio, f"收到 {chosen.lower()}") == f"已确认收到：{chosen}。请尽快报送。"
    acks = [
        (a["obligation_id"], a["via"])
        for n in (0, 1)
        for a in filed.incident(n)["acknowledgements"]
    ]
    assert [(ack_code(obligation), via) for obligation, via in acks] == [(chosen, "sms")]


def test_an_inbound_sms_without_a_valid_signature_is_refused_and_stores_nothing(
    database_url: str, twilio: TwilioStandIn
) -> None:
    filed = _told(database_url, twilio)
    url = filed.app.base_url + SMS
    form = {
        "AccountSid": twilio.account_sid,
        "MessageSid": "SM" + "0" * 32,
        "From": phone_of(*HEAD),
        "To": "+15005550006",
        "Body": "收到",
    }
    signature = twilio.validator.compute_signature(url, form)
    counts = row_counts(database_url)

    refused = [
        filed.app.http.post(SMS, data=form | {"Body": "1"}, headers=_signed(signature)),
        filed.app.http.post(SMS, data=form, headers=_signed("bm90IGEgc2lnbmF0dXJl")),
        filed.app.http.post(SMS, data=form),
    ]

    assert [r.status_code for r in refused] == [403, 403, 403]
    assert row_counts(database_url) == counts
    accepted = filed.app.http.post(SMS, data=form, headers=_signed(signature))
    assert accepted.status_code == 200  # the same reply, signed, is taken
    assert [via for _, via, _ in _acks(filed)] == ["sms"]


def test_pressing_1_in_the_call_acknowledges_by_voice(
    database_url: str, twilio: TwilioStandIn
) -> None:
    filed = _told(database_url, twilio)
    k4 = filed.obligation_id("upward")
    [to_head] = twilio.calls_to(phone_of(*HEAD))
    [to_leader] = twilio.calls_to(phone_of("county", "leader_on_duty"))
    action, _ = to_head.gather_action()
    assert action.startswith(filed.app.base_url + "/api/v1/twilio/voice/")
    filed.app.clock.set(at(12, 5))

    pressed_2 = twilio.press_key(to_leader, "2")
    pressed_1 = twilio.press_key(to_head, "1")

    assert (pressed_2.status, NOT_ACKNOWLEDGED in pressed_2.text) == (200, True)
    assert (pressed_1.status, ACKNOWLEDGED in pressed_1.text) == (200, True)
    assert _acks(filed) == [(k4, "voice", filed.seeded.people[HEAD])]
    [acknowledged] = _acknowledged(filed.incident())
    assert acknowledged == {"obligation": "upward", "via": "voice", "person": "郑科长"}


def test_the_signed_link_asks_on_get_and_acknowledges_on_post(
    database_url: str, twilio: TwilioStandIn
) -> None:
    filed = _told(database_url, twilio)
    k4 = filed.obligation_id("upward")
    [sms] = twilio.messages_to(phone_of(*HEAD))
    link = _link(sms.body)
    assert link.startswith(filed.app.base_url + "/ack/")
    path = link.removeprefix(filed.app.base_url)
    counts = row_counts(database_url)

    page = filed.app.http.get(path)

    assert page.status_code == 200
    assert '<form method="post">' in page.text and "千岛湖镇某工地脚手架坍塌" in page.text
    assert row_counts(database_url) == counts, "opening the link changed something"
    done = filed.app.http.post(path)
    assert (done.status_code, "已确认收到" in done.text) == (200, True)
    assert _acks(filed) == [(k4, "link", filed.seeded.people[HEAD])]
    assert [a["via"] for a in _acknowledged(filed.incident())] == ["link"]


def test_a_tampered_or_expired_link_is_a_404_page_and_stores_nothing(
    database_url: str, twilio: TwilioStandIn
) -> None:
    filed = _told(database_url, twilio)
    k4 = filed.obligation_id("upward")
    [sms] = twilio.messages_to(phone_of(*HEAD))
    token = _link(sms.body).rpartition("/")[2]
    value, _, signature = token.rpartition(".")
    # the first character: the last one of a base64 signature has bits that decode to nothing
    tampered = f"{value}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    links = filed.app.services.ack_links
    expired = _backdated(links, timedelta(hours=25)).token(k4, filed.seeded.people[HEAD])
    still_good = _backdated(links, timedelta(hours=23)).token(k4, filed.seeded.people[HEAD])
    someone_else = token.replace(f"{k4}.", f"{k4 + 1}.", 1)
    counts = row_counts(database_url)

    for bad in (tampered, expired, someone_else, "not-a-token"):
        for method in ("GET", "POST"):
            page = filed.app.http.request(method, f"/ack/{bad}")
            assert page.status_code == 404, (method, bad)
            assert "链接无效或已过期" in page.text

    assert row_counts(database_url) == counts
    assert filed.app.http.post(f"/ack/{still_good}").status_code == 200
    assert [via for _, via, _ in _acks(filed)] == ["link"]


def _link(body: str) -> str:
    match = re.search(r"https?://\S+/ack/\S+", body)
    assert match, body
    return match.group(0)


def _signed(signature: str) -> dict[str, str]:
    return {"X-Twilio-Signature": signature}


def _backdated(links: Any, age: timedelta) -> Any:
    """The app's link signer, signing as if `age` ago."""
    past = copy.copy(links)
    past.signer = copy.copy(links.signer)
    past.signer.get_timestamp = lambda: int(time.time() - age.total_seconds())
    return past
