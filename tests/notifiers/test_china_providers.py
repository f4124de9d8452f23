"""The Aliyun SMS, Aliyun voice and Tencent SMS adapters driving the official SDKs against local
stand-ins that check each request's signature as the provider does; and the failover channel
over them with its circuit breaker."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from datetime import timedelta

import pytest

from notifiers.aliyun_common import AliyunSettings
from notifiers.aliyun_sms import AliyunSmsNotifier
from notifiers.aliyun_voice import AliyunVoiceNotifier
from notifiers.base import DeliveryState, Message, SendResult
from notifiers.failover import Breaker, FailoverNotifier, Quota
from notifiers.templated import IdenticalGuard, Template, fit
from notifiers.tencent_sms import TencentSettings, TencentSmsNotifier
from tests.notifiers.aliyun_standin import AliyunStandIn
from tests.notifiers.tencent_standin import TencentStandIn

OVERDUE = ("unit", "title", "late", "code", "time")
SMS_CODE, TTS_CODE, TENCENT_ID = "SMS_4610001", "TTS_5300001", "1930001"


@pytest.fixture
def aliyun() -> Iterator[AliyunStandIn]:
    standin = AliyunStandIn(
        sms_templates={SMS_CODE: list(OVERDUE)}, tts_templates={TTS_CODE: list(OVERDUE)}
    )
    with standin:
        yield standin


@pytest.fixture
def tencent() -> Iterator[TencentStandIn]:
    with TencentStandIn(templates={TENCENT_ID: len(OVERDUE)}) as standin:
        yield standin


def aliyun_settings(
    standin: AliyunStandIn, *, secret: str | None = None, **kw: object
) -> AliyunSettings:
    values: dict[str, object] = {
        "access_key_id": standin.access_key_id,
        "access_key_secret": secret or standin.access_key_secret,
        "endpoint": standin.endpoint,
        "protocol": "http",
        "timeout_seconds": 2.0,
        "templates": {"overdue": Template(SMS_CODE, OVERDUE)},
        "sign_name": "急报",
    }
    return AliyunSettings(**(values | kw))  # type: ignore[arg-type]


def tencent_settings(standin: TencentStandIn, *, key: str | None = None) -> TencentSettings:
    return TencentSettings(
        secret_id=standin.secret_id,
        secret_key=key or standin.secret_key,
        sdk_app_id=standin.sdk_app_id,
        sign_name="急报",
        endpoint=standin.endpoint,
        protocol="http",
        timeout_seconds=2.0,
        templates={"overdue": Template(TENCENT_ID, OVERDUE)},
    )


def message(id_: int = 7, time: str = "12:00", **params: str) -> Message:
    values = {
        "unit": "青东海镇",
        "title": "S201 线货车侧翻",
        "late": "已超时 5 分钟",
        "code": "7",
        "time": time,
    } | params
    return Message(
        id=id_,
        channel="sms",
        to="+8613800138000",
        subject="",
        text="free text the template providers never send",
        data={"template": {"kind": "overdue", "params": values}},
    )


def send(notifier: object, msg: Message) -> SendResult:
    async def go() -> SendResult:
        try:
            return await notifier.send(msg)  # type: ignore[attr-defined]
        finally:
            await notifier.close()  # type: ignore[attr-defined]

    return asyncio.run(go())


def test_aliyun_sms_sends_the_template_with_its_parameters(aliyun: AliyunStandIn) -> None:
    result = send(AliyunSmsNotifier(aliyun_settings(aliyun)), message())
    [sms] = aliyun.sms
    assert result == SendResult(DeliveryState.SENT, provider_id=f"aliyun-sms:{sms.biz_id}")
    assert (sms.phone, sms.sign_name, sms.template_code, sms.out_id) == (
        "13800138000",
        "急报",
        SMS_CODE,
        "7",
    )
    assert sms.params == {
        "unit": "青东海镇",
        "title": "S201 线货车侧翻",
        "late": "已超时 5 分钟",
        "code": "7",
        "time": "12:00",
    }


def test_aliyun_refuses_a_request_signed_with_another_secret(aliyun: AliyunStandIn) -> None:
    result = send(AliyunSmsNotifier(aliyun_settings(aliyun, secret="not-the-secret")), message())
    assert result.state is DeliveryState.FAILED_PERM
    assert "SignatureDoesNotMatch" in (result.error or "")
    assert aliyun.sms == [] and aliyun.refused == [("SendSms", "SignatureDoesNotMatch")]


def test_a_long_parameter_is_shortened_within_aliyuns_35_characters(aliyun: AliyunStandIn) -> None:
    title = "某某县某某镇某某村某某组发生的一起较大规模山体滑坡灾害事件造成道路中断和房屋受损"
    result = send(AliyunSmsNotifier(aliyun_settings(aliyun)), message(title=title))
    assert result.state is DeliveryState.SENT
    [sms] = aliyun.sms
    assert len(sms.params["title"]) == 35 and sms.params["title"].endswith("…")
    assert sms.params["title"][:34] == title[:34]


def test_aliyun_down_and_aliyun_unreachable_are_temporary(aliyun: AliyunStandIn) -> None:
    aliyun.down = True
    down = send(AliyunSmsNotifier(aliyun_settings(aliyun)), message())
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    gone = send(AliyunSmsNotifier(aliyun_settings(aliyun, endpoint=f"127.0.0.1:{port}")), message())
    assert (down.state, gone.state) == (DeliveryState.FAILED_TEMP, DeliveryState.FAILED_TEMP)
    assert "ServiceUnavailable" in (down.error or "")


def test_a_message_without_a_template_for_its_kind_is_refused_before_sending(
    aliyun: AliyunStandIn,
) -> None:
    settings = aliyun_settings(aliyun, templates={"reminder": Template(SMS_CODE, OVERDUE)})
    result = send(AliyunSmsNotifier(settings), message())
    assert (result.state, result.error) == (DeliveryState.FAILED_PERM, "no template for overdue")
    assert aliyun.sms == [] and aliyun.refused == []


def test_aliyun_voice_calls_with_the_tts_template(aliyun: AliyunStandIn) -> None:
    settings = aliyun_settings(aliyun, templates={"overdue": Template(TTS_CODE, OVERDUE)})
    result = send(AliyunVoiceNotifier(settings), message())
    [call] = aliyun.calls
    assert result == SendResult(DeliveryState.SENT, provider_id=f"aliyun-voice:{call.call_id}")
    assert (call.phone, call.tts_code, call.params["late"]) == (
        "13800138000",
        TTS_CODE,
        "已超时 5 分钟",
    )


def test_tencent_sms_sends_positional_parameters_signed_tc3(tencent: TencentStandIn) -> None:
    result = send(TencentSmsNotifier(tencent_settings(tencent)), message())
    [sms] = tencent.sms
    assert result == SendResult(DeliveryState.SENT, provider_id=f"tencent-sms:{sms.serial_no}")
    # Tencent's variables are at most 12 characters here: the title is cut to fit
    assert sms.params == ["青东海镇", "S201 线货车侧翻", "已超时 5 分钟", "7", "12:00"]
    assert (sms.phone, sms.template_id, sms.session_context) == ("+8613800138000", TENCENT_ID, "7")


def test_tencent_refuses_a_bad_signature_and_so_do_we(tencent: TencentStandIn) -> None:
    result = send(TencentSmsNotifier(tencent_settings(tencent, key="wrong")), message())
    assert result.state is DeliveryState.FAILED_PERM
    assert "AuthFailure.SignatureFailure" in (result.error or "")
    assert tencent.sms == []


def test_tencent_cuts_long_variables_to_twelve(tencent: TencentStandIn) -> None:
    result = send(
        TencentSmsNotifier(tencent_settings(tencent)),
        message(title="一二三四五六七八九十十一十二十三"),
    )
    assert result.state is DeliveryState.SENT
    assert tencent.sms[0].params[1] == "一二三四五六七八九十十…"


def test_a_third_identical_sms_to_one_number_within_a_day_is_refused(
    aliyun: AliyunStandIn,
) -> None:
    guard = IdenticalGuard()

    def one(msg: Message) -> DeliveryState:
        return send(AliyunSmsNotifier(aliyun_settings(aliyun), guard), msg).state

    states = [one(message()), one(message()), one(message()), one(message(time="12:05"))]
    assert states == [
        DeliveryState.SENT,
        DeliveryState.SENT,
        DeliveryState.FAILED_PERM,
        DeliveryState.SENT,  # the time differs: another text
    ]
    assert len(aliyun.sms) == 3


def test_fit_keeps_short_values_and_cuts_long_ones() -> None:
    assert fit("短", 12) == "短"
    assert fit("第一行\n第二行", 12) == "第一行 第二行"
    assert fit("一二三四五", 3) == "一二…"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_failover_tries_the_next_provider_and_sends_once(
    aliyun: AliyunStandIn, tencent: TencentStandIn
) -> None:
    aliyun.down = True
    clock = Clock()
    breaker = Breaker(2, timedelta(minutes=5), clock)

    def channel() -> FailoverNotifier:
        return FailoverNotifier(
            "sms",
            [
                ("aliyun", AliyunSmsNotifier(aliyun_settings(aliyun))),
                ("tencent", TencentSmsNotifier(tencent_settings(tencent))),
            ],
            breaker,
        )

    first = send(channel(), message(1))
    assert first.state is DeliveryState.SENT and (first.provider_id or "").startswith(
        "tencent-sms:"
    )
    assert (
        aliyun.sms == []
        and len(tencent.sms) == 1
        and aliyun.refused == [("SendSms", "ServiceUnavailable")]
    )
    send(channel(), message(2))
    assert breaker.is_open("aliyun") and len(aliyun.refused) == 2
    send(channel(), message(3))
    assert len(aliyun.refused) == 2, "a paused provider is not asked"
    assert [p.provider for p in breaker.paused("sms")] == ["aliyun"]
    clock.now += 301
    aliyun.down = False
    fourth = send(channel(), message(4))
    assert (fourth.provider_id or "").startswith("aliyun-sms:") and not breaker.is_open("aliyun")
    assert len(tencent.sms) == 3 and len(aliyun.sms) == 1


def test_with_every_provider_down_the_message_waits_to_be_retried(
    aliyun: AliyunStandIn, tencent: TencentStandIn
) -> None:
    aliyun.down = tencent.down = True
    breaker = Breaker(1, timedelta(minutes=5), Clock())
    channel = FailoverNotifier(
        "sms",
        [
            ("aliyun", AliyunSmsNotifier(aliyun_settings(aliyun))),
            ("tencent", TencentSmsNotifier(tencent_settings(tencent))),
        ],
        breaker,
    )
    result = send(channel, message())
    assert result.state is DeliveryState.FAILED_TEMP
    assert result.error is not None and "aliyun" in result.error and "tencent" in result.error
    assert result.retry_after == 300


def test_an_account_quota_sends_the_rest_through_the_next_provider(
    aliyun: AliyunStandIn, tencent: TencentStandIn
) -> None:
    clock = Clock()
    quota = Quota({timedelta(hours=1): 1}, clock)
    breaker = Breaker(3, timedelta(minutes=5), clock)

    def channel() -> FailoverNotifier:
        return FailoverNotifier(
            "sms",
            [
                ("aliyun", AliyunSmsNotifier(aliyun_settings(aliyun))),
                ("tencent", TencentSmsNotifier(tencent_settings(tencent))),
            ],
            breaker,
            {"aliyun": quota},
        )

    send(channel(), message(1))
    send(channel(), message(2))
    assert (len(aliyun.sms), len(tencent.sms)) == (1, 1)


def test_a_bundle_goes_as_its_first_message_where_no_bundle_template_is_configured(
    aliyun: AliyunStandIn,
) -> None:
    first = message().data["template"]
    bundled = Message(
        id=9,
        channel="sms",
        to="+8613800138000",
        subject="",
        text="",
        data={
            "template": {
                "kind": "bundle",
                "params": {"count": "3", "time": "12:07"},
                "alone": first,
            }
        },
    )
    result = send(AliyunSmsNotifier(aliyun_settings(aliyun)), bundled)
    assert result.state is DeliveryState.SENT
    [sms] = aliyun.sms
    assert (sms.template_code, sms.params["time"], sms.params["unit"]) == (
        SMS_CODE,
        "12:07",
        "青东海镇",
    )


def test_an_answer_that_never_comes_is_unknown_and_no_other_provider_is_tried(
    aliyun: AliyunStandIn, tencent: TencentStandIn
) -> None:
    aliyun.hang = 3.0  # past the 1 s time limit: the SMS may have gone
    channel = FailoverNotifier(
        "sms",
        [
            ("aliyun", AliyunSmsNotifier(aliyun_settings(aliyun, timeout_seconds=1.0))),
            ("tencent", TencentSmsNotifier(tencent_settings(tencent))),
        ],
        Breaker(3, timedelta(minutes=5), Clock()),
    )
    result = send(channel, message())
    assert result.state is DeliveryState.UNKNOWN
    assert tencent.sms == [], "never two providers for one message"
