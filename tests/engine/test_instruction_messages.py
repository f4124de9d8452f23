"""The messages of a leader's instruction, end to end through the served app, the Twilio
stand-in and an aiosmtpd server: the relay carries the issuer, the exact text, the deadlines and
an acknowledgement route (none of the content for a classified incident); the unit's 收到 by
link or SMS reply is its acknowledgement; overdue feedback brings one 督办 to the unit."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from alerts.escalation.ladder import ack_code
from alerts.escalation.messages.render import About, InstructionNote, Messages
from tests.builders import at, initial, phone_of, row_counts
from tests.engine.harness import Seeded, Served, channel_settings, seed, served
from tests.notifiers.smtp_server import SmtpServer
from tests.notifiers.twilio_standin import TwilioStandIn

PATH = "/api/v1/instructions"
SMS = "/api/v1/twilio/sms"
TEXT = "请千岛湖镇立即组织排查，24小时内报告处置结果。"
DUTY = ("qdh", "duty_officer")
PRINCIPAL = ("qdh", "principal")


@dataclass
class Relayed:
    """An instruction written at 10:00 on qdh's incident (deadline 10:00 the next day), relayed
    at 10:30 and the engine ticked then."""

    app: Served
    seeded: Seeded
    instruction_id: int

    def instruction(self) -> Any:
        """The instruction as the office sees it."""
        answer = self.app.http.get(
            f"{PATH}/{self.instruction_id}", headers=_auth(self.seeded.office_token)
        )
        assert answer.status_code == 200, answer.text
        return answer.json()

    def clock_id(self, suffix: str) -> int:
        """The id of qdh's clock whose key ends with `suffix` (`ack`, `feedback`)."""
        found: int = next(
            o["id"] for o in self.instruction()["obligations"] if o["key"].endswith(f":{suffix}")
        )
        return found

    def stage(self) -> str:
        """Where qdh stands on the instruction."""
        stage: str = self.instruction()["units"][0]["stage"]
        return stage


def _auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _relayed(
    database_url: str, twilio: TwilioStandIn, smtp: SmtpServer, *, classified: bool = False
) -> Relayed:
    twilio.callback_outcome.enabled = False
    seeded = seed(database_url, start=at(9, 10))
    app = served(channel_settings(database_url, twilio=twilio, smtp=smtp), seeded.clock)
    incident_id = app.post(initial(classified=classified), seeded.tokens["qdh"])["incident_id"]
    seeded.clock.set(at(10, 0))
    body = {
        "issuer": {"name": "王县长", "post": "县长", "level": "county"},
        "received_at": at(10, 0).isoformat(),
        "text": TEXT,
        "type": "act",
        "units": ["qdh"],
        "deadline_at": at(10, 0, day=22).isoformat(),
        "incident_id": incident_id,
    }
    recorded = app.http.post(PATH, json=body, headers=_auth(seeded.office_token))
    assert recorded.status_code == 201, recorded.text
    iid = recorded.json()["id"]
    seeded.clock.set(at(10, 30))
    relay = app.http.post(
        f"{PATH}/{iid}/units/qdh/relay", json={}, headers=_auth(seeded.office_token)
    )
    assert relay.status_code == 200, relay.text
    app.tick()
    return Relayed(app, seeded, iid)


def _sms(twilio: TwilioStandIn, who: tuple[str, str]) -> list[str]:
    return [message.body for message in twilio.messages_to(phone_of(*who))]


def _emails(smtp: SmtpServer, who: tuple[str, str]) -> list[EmailMessage]:
    address = phone_of(*who).removeprefix("+86") + "@example.gov.cn"
    return [r.message for r in smtp.received if address in r.rcpt_tos]


def _text_of(email: EmailMessage) -> str:
    part = email.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def _link(text: str) -> str:
    match = re.search(r"https?://\S+/ack/\S+", text)
    assert match, text
    return match.group(0)


def _reply(relayed: Relayed, twilio: TwilioStandIn, who: tuple[str, str], body: str) -> str:
    posted = twilio.send_inbound_sms(relayed.app.base_url + SMS, phone_of(*who), body)
    assert posted.status == 200, posted.text
    message = ET.fromstring(posted.text).find("Message")
    assert message is not None and message.text, posted.text
    return message.text


def test_the_relay_sends_the_exact_text_issuer_and_deadlines_by_sms_and_email(
    database_url: str, twilio: TwilioStandIn, smtp: SmtpServer
) -> None:
    relayed = _relayed(database_url, twilio, smtp)
    code = ack_code(relayed.clock_id("ack"))

    for who in (DUTY, PRINCIPAL):
        [sms] = _sms(twilio, who)
        assert TEXT in sms and "县长王县长" in sms and "（批办）" in sms
        assert "11-21 11:30前签收" in sms and "11-22 10:00前反馈" in sms
        assert f"回“收到{code}”签收" in sms and "/ack/" in sms
        [email] = _emails(smtp, who)
        assert str(email["Subject"]).startswith("【急报】批示转办：县长王县长批示")
        assert TEXT in _text_of(email) and f"收到 {code}" in _text_of(email)
    assert _sms(twilio, ("qdh", "leader")) == []  # the unit's duty officer and principal only
    assert _sms(twilio, ("county", "duty_officer")) == []

    sent = len(twilio.messages), len(smtp.received)
    relayed.app.tick()  # the engine again, and once more later: the relay is not sent again
    relayed.app.at_tick(at(10, 45))
    assert (len(twilio.messages), len(smtp.received)) == sent


def test_a_classified_incidents_instruction_says_only_that_one_exists_and_where(
    database_url: str, twilio: TwilioStandIn, smtp: SmtpServer
) -> None:
    relayed = _relayed(database_url, twilio, smtp, classified=True)

    texts = [body for who in (DUTY, PRINCIPAL) for body in _sms(twilio, who)]
    emails = [email for who in (DUTY, PRINCIPAL) for email in _emails(smtp, who)]
    assert len(texts) == len(emails) == 2
    mailed = [str(e["Subject"]) + _text_of(e) + str(e.get_body(("html",))) for e in emails]
    for text in texts + mailed:
        assert "排查" not in text and "王县长" not in text and "11-22" not in text, text
        assert "有一条领导批示待签收" in text and "/ack/" in text
    page = relayed.app.http.get(_link(texts[0]).removeprefix(relayed.app.base_url))
    assert page.status_code == 200 and "排查" not in page.text


def test_the_signed_link_acknowledges_the_instruction_for_the_unit_once(
    database_url: str, twilio: TwilioStandIn, smtp: SmtpServer
) -> None:
    relayed = _relayed(database_url, twilio, smtp)
    [sms] = _sms(twilio, PRINCIPAL)
    path = _link(sms).removeprefix(relayed.app.base_url)
    relayed.app.clock.set(at(10, 40))
    counts = row_counts(database_url)

    page = relayed.app.http.get(path)

    assert page.status_code == 200 and "确认签收以下领导批示" in page.text
    assert row_counts(database_url) == counts, "opening the link changed something"
    done = relayed.app.http.post(path)
    assert (done.status_code, "已签收批示" in done.text) == (200, True)
    answer = relayed.instruction()
    assert answer["units"] == [{"unit": "qdh", "stage": "acknowledged"}]
    step = answer["steps"][-1]
    assert (step["move"], step["by"], step["at"]) == (
        "acknowledge",
        "王书记",
        at(10, 40).isoformat(),
    )
    ack = next(o for o in answer["obligations"] if o["key"].endswith(":ack"))
    assert ack["status"] == "met"

    counts = row_counts(database_url)
    again = relayed.app.http.post(path)
    assert (again.status_code, "该批示已签收" in again.text) == (409, True)
    assert row_counts(database_url) == counts


def test_a_tampered_or_expired_link_acknowledges_nothing(
    database_url: str, twilio: TwilioStandIn, smtp: SmtpServer
) -> None:
    relayed = _relayed(database_url, twilio, smtp)
    [sms] = _sms(twilio, DUTY)
    token = _link(sms).rpartition("/")[2]
    value, _, signature = token.rpartition(".")
    tampered = f"{value}.{'B' if signature[0] == 'A' else 'A'}{signature[1:]}"
    relayed.app.clock.set(at(10, 40))
    counts = row_counts(database_url)

    for bad in (tampered, "not-a-token"):
        for method in ("GET", "POST"):
            page = relayed.app.http.request(method, f"/ack/{bad}")
            assert (page.status_code, "链接无效或已过期" in page.text) == (404, True)

    assert row_counts(database_url) == counts
    assert relayed.stage() == "relayed"


def test_replying_收到_to_the_relay_acknowledges_the_instruction_for_the_unit(
    database_url: str, twilio: TwilioStandIn, smtp: SmtpServer
) -> None:
    relayed = _relayed(database_url, twilio, smtp)
    code = ack_code(relayed.clock_id("ack"))
    relayed.app.clock.set(at(10, 50))

    answer = _reply(relayed, twilio, DUTY, "收到")

    assert answer == f"已签收批示：{code}。请按时反馈落实情况。"
    assert relayed.stage() == "acknowledged"
    step = relayed.instruction()["steps"][-1]
    assert (step["move"], step["by"]) == ("acknowledge", "张值班")

    counts = row_counts(database_url)
    assert _reply(relayed, twilio, PRINCIPAL, "收到") == "您没有待确认的事项。"
    assert _reply(relayed, twilio, DUTY, f"收到 {code}") == "您没有待确认的事项。"
    assert _reply(relayed, twilio, ("county", "director"), "收到") == "您没有待确认的事项。"
    assert row_counts(database_url) == counts, "a stray reply stored something"


def test_the_offices_收到_to_the_units_reminder_only_pauses_its_ladder(
    database_url: str, twilio: TwilioStandIn, smtp: SmtpServer
) -> None:
    relayed = _relayed(database_url, twilio, smtp)
    relayed.app.at_tick(at(11, 30))  # acknowledgement due: the county duty officer is told
    code = ack_code(relayed.clock_id("ack"))
    assert any(code in body for body in _sms(twilio, ("county", "duty_officer")))

    answer = _reply(relayed, twilio, ("county", "duty_officer"), f"收到 {code}")

    assert answer.startswith("已确认收到")
    assert relayed.stage() == "relayed"


def test_overdue_feedback_brings_the_unit_one_督办_by_sms_and_email(
    database_url: str, twilio: TwilioStandIn, smtp: SmtpServer
) -> None:
    relayed = _relayed(database_url, twilio, smtp)
    relayed.app.clock.set(at(10, 50))
    assert _reply(relayed, twilio, DUTY, "收到").startswith("已签收批示")
    code = ack_code(relayed.clock_id("feedback"))
    relayed.app.at_tick(at(9, 59, day=22))
    assert not [b for who in (DUTY, PRINCIPAL) for b in _sms(twilio, who) if "督办" in b]

    for moment in (at(10, 0, day=22), at(10, 1, day=22), at(10, 30, day=22), at(12, 30, day=22)):
        relayed.app.at_tick(moment)

    for who in (DUTY, PRINCIPAL):
        [notice] = [body for body in _sms(twilio, who) if "督办" in body]
        assert notice.startswith(f"【急报】督办：千岛湖镇对县长王县长批示「{TEXT[:20]}…」")
        assert "11-22 10:00到期未报" in notice and f"回“收到{code}”确认" in notice
        [email] = [e for e in _emails(smtp, who) if "督办" in str(e["Subject"])]
        assert TEXT in _text_of(email)


@pytest.mark.parametrize("language", ["zh_CN", "en"])
@pytest.mark.parametrize("kind", ["relay", "supervise"])
@pytest.mark.parametrize("classified", [False, True], ids=["open", "classified"])
def test_every_instruction_message_renders_and_keeps_a_classified_text_out(
    language: str, kind: str, classified: bool
) -> None:
    messages = Messages(language, ZoneInfo("Asia/Shanghai"), ack_pause=timedelta(minutes=30))
    note = InstructionNote(kind, "县长王县长", "reference", TEXT, at(10), None)
    about = About(
        "千岛湖镇", f"批示 {TEXT[:40]}", f"instruction_{'ack' if kind == 'relay' else 'feedback'}",
        None, at(11, 30), at(10, 30), classified, "7", "https://jibao.example/ack/t", note,
    )  # fmt: skip

    rendered = [messages.render(channel, about) for channel in ("sms", "email", "webhook")]
    summary = messages.render("summary", about).text

    for message in rendered:
        whole = message.subject + message.text + (message.html or "") + summary
        assert ("排查" in whole, "王县长" in whole) == (not classified, not classified)
        assert "https://jibao.example/ack/t" in message.text and message.subject
    assert "{" not in rendered[0].text and "\n" not in rendered[0].text
