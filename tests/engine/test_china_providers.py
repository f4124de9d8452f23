"""Reaching phones in China end to end: the served app's ladder sends through Aliyun SMS, Aliyun
voice and Tencent SMS (their official SDKs, against stand-ins that check the signature), their
delivery reports mark messages delivered, a reply 收到 (or a key pressed in an Aliyun call)
acknowledges; with Aliyun down a step fails over to Tencent, with both down to Twilio, and each
message is sent once; a callback without our token changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from alerts.config_providers import TEMPLATE_KINDS
from alerts.escalation.ladder import ack_code
from tests.builders import at
from tests.engine.harness import Scene, one_rung, scene
from tests.notifiers.aliyun_standin import AliyunStandIn
from tests.notifiers.tencent_standin import TencentStandIn
from tests.notifiers.twilio_standin import TwilioStandIn

ALIYUN_TOKEN, TENCENT_TOKEN = "aliyun-callback-token-0123", "tencent-callback-token-0123"
HOOKS = "/api/v1/providers"


@pytest.fixture
def aliyun() -> Iterator[AliyunStandIn]:
    templates = {f"SMS_{kind}": list(names) for kind, names in TEMPLATE_KINDS.items()}
    tts = {f"TTS_{kind}": list(names) for kind, names in TEMPLATE_KINDS.items()}
    with AliyunStandIn(sms_templates=templates, tts_templates=tts) as standin:
        yield standin


@pytest.fixture
def tencent() -> Iterator[TencentStandIn]:
    templates = {f"19{n}": len(names) for n, names in enumerate(TEMPLATE_KINDS.values())}
    with TencentStandIn(templates=templates) as standin:
        yield standin


def providers(
    aliyun: AliyunStandIn, tencent: TencentStandIn, sms: list[str], voice: list[str] | None = None
) -> dict[str, Any]:
    """`[notifications.providers]` aimed at the stand-ins, every template configured."""
    return {
        "aliyun": {
            "access_key_id": aliyun.access_key_id,
            "protocol": "http",
            "timeout_seconds": 5,
            "sms": {
                "enabled": True,
                "endpoint": aliyun.endpoint,
                "sign_name": "急报",
                "templates": {kind: {"code": f"SMS_{kind}"} for kind in TEMPLATE_KINDS},
            },
            "voice": {
                "enabled": True,
                "endpoint": aliyun.endpoint,
                "templates": {kind: {"code": f"TTS_{kind}"} for kind in TEMPLATE_KINDS},
            },
        },
        "tencent": {
            "enabled": True,
            "secret_id": tencent.secret_id,
            "sdk_app_id": tencent.sdk_app_id,
            "sign_name": "急报",
            "endpoint": tencent.endpoint,
            "protocol": "http",
            "timeout_seconds": 5,
            "templates": {kind: {"code": f"19{n}"} for n, kind in enumerate(TEMPLATE_KINDS)},
        },
        "routes": {"sms": sms, "voice": voice or ["twilio"]},
    }


def environ(aliyun: AliyunStandIn, tencent: TencentStandIn) -> dict[str, str]:
    return {
        "JIBAO_ALIYUN_ACCESS_KEY_SECRET": aliyun.access_key_secret,
        "JIBAO_ALIYUN_CALLBACK_TOKEN": ALIYUN_TOKEN,
        "JIBAO_TENCENT_SECRET_KEY": tencent.secret_key,
        "JIBAO_TENCENT_CALLBACK_TOKEN": TENCENT_TOKEN,
    }


def filed(
    database_url: str,
    twilio: TwilioStandIn,
    aliyun: AliyunStandIn,
    tencent: TencentStandIn,
    *,
    channel: str = "sms",
    sms: list[str],
    voice: list[str] | None = None,
) -> Scene:
    twilio.callback_outcome.enabled = False
    return scene(
        database_url,
        twilio=twilio,
        escalation__office=one_rung(channel),
        notifications__providers=providers(aliyun, tencent, sms, voice),
        environ=environ(aliyun, tencent),
    )


def acks(scene_: Scene) -> list[tuple[int, str]]:
    return [(a["obligation_id"], a["via"]) for a in scene_.incident()["acknowledgements"]]


def test_aliyun_sms_overdue_template_delivered_and_acknowledged_by_reply(
    database_url: str, twilio: TwilioStandIn, aliyun: AliyunStandIn, tencent: TencentStandIn
) -> None:
    scene_ = filed(database_url, twilio, aliyun, tencent, sms=["aliyun", "tencent", "twilio"])
    scene_.app.at_tick(at(12))
    k4 = scene_.obligation_id("upward")
    [sms] = aliyun.sms
    assert sms.template_code == "SMS_overdue"
    assert sms.params["code"] == ack_code(k4)
    assert sms.params["time"] == "12:00"
    assert sms.params["step"] == "due"
    assert sms.params["what"] == "向上级报告"
    assert sms.params["title"] == scene_.incident()["title"][:35]
    assert sms.out_id == str(scene_.notifications()[0]["id"])
    assert tencent.sms == [] and twilio.messages == []

    base = f"{scene_.app.base_url}{HOOKS}/aliyun/{ALIYUN_TOKEN}"
    reported = aliyun.report_sms(f"{base}/sms-report", sms)
    assert (reported.status, reported.answer) == (200, {"code": 0, "msg": "接收成功"})
    [notification] = scene_.notifications()
    assert notification["state"] == "delivered"

    scene_.app.clock.set(at(12, 5))
    replied = aliyun.sms_up(f"{base}/sms-up", sms.phone, "收到")
    assert replied.status == 200
    assert acks(scene_) == [(k4, "sms")]


def test_aliyun_voice_call_heard_and_acknowledged_by_key(
    database_url: str, twilio: TwilioStandIn, aliyun: AliyunStandIn, tencent: TencentStandIn
) -> None:
    scene_ = filed(
        database_url, twilio, aliyun, tencent, channel="voice", sms=["twilio"], voice=["aliyun"]
    )
    scene_.app.at_tick(at(12))
    [call] = aliyun.calls
    assert call.tts_code == "TTS_overdue" and call.params["time"] == "12:00"
    assert twilio.calls == []
    url = f"{scene_.app.base_url}{HOOKS}/aliyun/{ALIYUN_TOKEN}/voice-report"
    assert aliyun.voice_report(url, call, dtmf="1").status == 200
    [notification] = scene_.notifications()
    assert notification["state"] == "delivered"
    assert acks(scene_) == [(scene_.obligation_id("upward"), "voice")]


def test_tencent_sms_overdue_template_delivered_and_acknowledged_by_reply(
    database_url: str, twilio: TwilioStandIn, aliyun: AliyunStandIn, tencent: TencentStandIn
) -> None:
    scene_ = filed(database_url, twilio, aliyun, tencent, sms=["tencent"])
    scene_.app.at_tick(at(12))
    k4 = scene_.obligation_id("upward")
    [sms] = tencent.sms
    names = TEMPLATE_KINDS["overdue"]
    params = dict(zip(names, sms.params, strict=True))
    assert sms.template_id == f"19{list(TEMPLATE_KINDS).index('overdue')}"
    assert (params["code"], params["time"], params["step"]) == (ack_code(k4), "12:00", "due")
    assert all(len(value) <= 12 for value in sms.params)

    base = f"{scene_.app.base_url}{HOOKS}/tencent/{TENCENT_TOKEN}"
    reported = tencent.report(f"{base}/sms-status", sms)
    assert (reported.status, reported.answer) == (200, {"result": 0, "errmsg": "OK"})
    assert scene_.notifications()[0]["state"] == "delivered"
    replied = tencent.reply(f"{base}/sms-reply", sms.phone.removeprefix("+86"), "1")
    assert replied.status == 200
    assert acks(scene_) == [(k4, "sms")]


def test_with_aliyun_down_the_step_goes_by_tencent_once(
    database_url: str, twilio: TwilioStandIn, aliyun: AliyunStandIn, tencent: TencentStandIn
) -> None:
    aliyun.down = True
    scene_ = filed(database_url, twilio, aliyun, tencent, sms=["aliyun", "tencent", "twilio"])
    scene_.app.at_tick(at(12))
    assert aliyun.sms == [] and aliyun.refused == [("SendSms", "ServiceUnavailable")]
    assert len(tencent.sms) == 1 and twilio.messages == []
    [notification] = scene_.notifications()
    assert notification["state"] == "sent"
    scene_.app.at_tick(at(12, 1))
    assert len(tencent.sms) == 1 and twilio.messages == [], "sent once"


def test_with_aliyun_and_tencent_down_the_step_goes_by_twilio_once(
    database_url: str, twilio: TwilioStandIn, aliyun: AliyunStandIn, tencent: TencentStandIn
) -> None:
    aliyun.down = tencent.down = True
    scene_ = filed(database_url, twilio, aliyun, tencent, sms=["aliyun", "tencent", "twilio"])
    scene_.app.at_tick(at(12))
    assert aliyun.sms == [] and tencent.sms == []
    [message] = twilio.messages
    assert message.body == scene_.notifications()[0]["body"]  # Twilio takes the free text
    scene_.app.at_tick(at(12, 1))
    assert len(twilio.messages) == 1


def test_a_callback_without_our_token_is_refused_and_changes_nothing(
    database_url: str, twilio: TwilioStandIn, aliyun: AliyunStandIn, tencent: TencentStandIn
) -> None:
    scene_ = filed(database_url, twilio, aliyun, tencent, sms=["aliyun"])
    scene_.app.at_tick(at(12))
    [sms] = aliyun.sms
    base = f"{scene_.app.base_url}{HOOKS}"
    refused = [
        aliyun.report_sms(f"{base}/aliyun/wrong-token/sms-report", sms),
        aliyun.sms_up(f"{base}/aliyun/{TENCENT_TOKEN}/sms-up", sms.phone, "收到"),
        tencent.reply(f"{base}/tencent/{ALIYUN_TOKEN}/sms-reply", sms.phone, "收到"),
    ]
    assert [p.status for p in refused] == [403, 403, 403]
    assert scene_.notifications()[0]["state"] == "sent"
    assert acks(scene_) == []


def test_a_malformed_report_is_a_clear_422_and_changes_nothing(
    database_url: str, twilio: TwilioStandIn, aliyun: AliyunStandIn, tencent: TencentStandIn
) -> None:
    scene_ = filed(database_url, twilio, aliyun, tencent, sms=["aliyun"])
    scene_.app.at_tick(at(12))
    url = f"{scene_.app.base_url}{HOOKS}/aliyun/{ALIYUN_TOKEN}/sms-report"
    bad = aliyun.push(url, [{"success": "perhaps"}])
    assert bad.status == 422 and isinstance(bad.answer, dict)
    reply = f"{scene_.app.base_url}{HOOKS}/tencent/{TENCENT_TOKEN}/sms-reply"
    not_an_object = tencent.push(reply, ["收到"])
    assert not_an_object.status == 422 and isinstance(not_an_object.answer, dict)
    assert scene_.notifications()[0]["state"] == "sent"
    assert acks(scene_) == []


def test_a_role_with_its_own_provider_order_is_sent_by_it(
    database_url: str, twilio: TwilioStandIn, aliyun: AliyunStandIn, tencent: TencentStandIn
) -> None:
    twilio.callback_outcome.enabled = False
    config = providers(aliyun, tencent, ["aliyun", "tencent"])
    config["role_routes"] = {"office.section_head": {"sms": ["tencent", "aliyun"]}}
    scene_ = scene(
        database_url,
        twilio=twilio,
        escalation__office=one_rung("sms"),
        notifications__providers=config,
        environ=environ(aliyun, tencent),
    )
    scene_.app.at_tick(at(12))
    assert (len(aliyun.sms), len(tencent.sms)) == (0, 1)
