"""What Aliyun and Tencent Cloud push to us: SMS delivery reports (状态报告), SMS replies (上行短信)
and Aliyun's call reports, as JSON, answered in the shape each provider expects.

Neither provider signs these pushes (Aliyun's HTTP batch push and Tencent's callbacks carry no
signature), so each is addressed to a URL holding a secret token of ours
(JIBAO_ALIYUN_CALLBACK_TOKEN, JIBAO_TENCENT_CALLBACK_TOKEN), configured in the provider's
console; a wrong or unset token is refused with 403 and changes nothing (docs/decisions/0020).
A reply `1` or `收到` acknowledges as a Twilio SMS reply does; a `1` pressed during an Aliyun
call (`dtmf` of its call report) as a Twilio key press does."""

from __future__ import annotations

import hmac
from contextlib import suppress
from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from alerts.api.errors import ApiError, error_responses
from alerts.errors import Conflict
from alerts.escalation.acks import acknowledge_told, answer_reply
from alerts.escalation.statuses import report_status
from alerts.services import Services, ServicesDep, SessionDep
from alerts.storage import models as m
from notifiers.base import DeliveryState
from notifiers.provider_ids import ALIYUN_SMS, ALIYUN_VOICE, TENCENT_SMS

router = APIRouter(tags=["providers"])
_ERRORS = error_responses(403, 413, 422)
_VOICE_DONE = {"200000", "200010"}  # the call reached the callee and was played through
_MAX_ITEMS = 1000


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")  # providers add fields over time


class AliyunSmsReportIn(_Lenient):
    """One SMS delivery report (SmsReport)."""

    biz_id: str = Field(min_length=1, max_length=100)
    success: bool
    err_code: str = Field(default="", max_length=100)
    err_msg: str = Field(default="", max_length=300)
    phone_number: str = Field(default="", max_length=32)
    out_id: str = Field(default="", max_length=64)


class AliyunSmsUpIn(_Lenient):
    """One SMS reply (SmsUp)."""

    phone_number: str = Field(min_length=1, max_length=32)
    content: str = Field(max_length=1000)
    sign_name: str = Field(default="", max_length=100)
    dest_code: str = Field(default="", max_length=32)


class AliyunVoiceReportIn(_Lenient):
    """One call report (VoiceReport)."""

    call_id: str = Field(min_length=1, max_length=100)
    status_code: str = Field(max_length=16)
    status_msg: str = Field(default="", max_length=300)
    dtmf: str | None = Field(default=None, max_length=64)
    out_id: str = Field(default="", max_length=64)


class AliyunReceiptOut(BaseModel):
    """Aliyun's expected answer: code 0."""

    code: int = 0
    msg: str = "接收成功"


class TencentSmsStatusIn(_Lenient):
    """One SMS status report."""

    sid: str = Field(min_length=1, max_length=100)
    report_status: str = Field(max_length=16)  # SUCCESS | FAIL
    errmsg: str = Field(default="", max_length=300)
    description: str = Field(default="", max_length=300)
    mobile: str = Field(default="", max_length=32)
    nationcode: str = Field(default="", max_length=8)


class TencentSmsReplyIn(_Lenient):
    """One SMS reply."""

    mobile: str = Field(min_length=1, max_length=32)
    nationcode: str = Field(default="86", max_length=8)
    text: str = Field(max_length=1000)
    sign: str = Field(default="", max_length=100)
    extend: str = Field(default="", max_length=32)
    time: int | None = None


class TencentReceiptOut(BaseModel):
    """Tencent's expected answer: result 0."""

    result: int = 0
    errmsg: str = "OK"


def _checked(services: Services, provider: str, token: str) -> None:
    providers = services.settings.notifications.providers
    secret = (
        providers.aliyun.callback_token
        if provider == "aliyun"
        else providers.tencent.callback_token
    ).get_secret_value()
    if not secret or not hmac.compare_digest(secret.encode(), token.encode()):
        raise ApiError(403, "forbidden")


@router.post(
    "/api/v1/providers/aliyun/{token}/sms-report",
    responses=_ERRORS,
    summary="Aliyun SMS delivery reports",
)
async def aliyun_sms_report(
    token: str,
    body: Annotated[list[AliyunSmsReportIn], Body(max_length=_MAX_ITEMS)],
    services: ServicesDep,
) -> AliyunReceiptOut:
    """SmsReport: each report marks its SMS delivered, or failed after Aliyun accepted it."""
    _checked(services, "aliyun", token)
    for report in body:
        state = DeliveryState.DELIVERED if report.success else DeliveryState.FAILED_PERM
        detail = f"{report.err_code} {report.err_msg}".strip()
        mark(services, ALIYUN_SMS + report.biz_id, state, detail)
    return AliyunReceiptOut()


@router.post(
    "/api/v1/providers/aliyun/{token}/sms-up",
    responses=_ERRORS,
    summary="Aliyun SMS replies",
)
async def aliyun_sms_up(
    token: str,
    body: Annotated[list[AliyunSmsUpIn], Body(max_length=_MAX_ITEMS)],
    session: SessionDep,
    services: ServicesDep,
) -> AliyunReceiptOut:
    """SmsUp: a reply `1` or `收到` (with a short code when the person has several open items)."""
    _checked(services, "aliyun", token)
    for reply in body:
        _reply(session, services, _mainland(reply.phone_number), reply.content)
    return AliyunReceiptOut()


@router.post(
    "/api/v1/providers/aliyun/{token}/voice-report",
    responses=_ERRORS,
    summary="Aliyun call reports",
)
async def aliyun_voice_report(
    token: str,
    body: Annotated[list[AliyunVoiceReportIn], Body(max_length=_MAX_ITEMS)],
    session: SessionDep,
    services: ServicesDep,
) -> AliyunReceiptOut:
    """VoiceReport: a call heard is delivered, one not answered failed; a `1` pressed
    acknowledges."""
    _checked(services, "aliyun", token)
    for report in body:
        provider_id = ALIYUN_VOICE + report.call_id
        heard = report.status_code in _VOICE_DONE
        state = DeliveryState.DELIVERED if heard else DeliveryState.FAILED_PERM
        mark(services, provider_id, state, f"{report.status_code} {report.status_msg}".strip())
        if report.dtmf and report.dtmf.strip().startswith("1"):
            _ack_by_key(session, services, provider_id)
    return AliyunReceiptOut()


@router.post(
    "/api/v1/providers/tencent/{token}/sms-status",
    responses=_ERRORS,
    summary="Tencent SMS status reports",
)
async def tencent_sms_status(
    token: str,
    body: Annotated[list[TencentSmsStatusIn], Body(max_length=_MAX_ITEMS)],
    services: ServicesDep,
) -> TencentReceiptOut:
    """Status reports: SUCCESS marks the SMS delivered, FAIL failed after acceptance."""
    _checked(services, "tencent", token)
    for report in body:
        ok = report.report_status.upper() == "SUCCESS"
        state = DeliveryState.DELIVERED if ok else DeliveryState.FAILED_PERM
        detail = f"{report.errmsg} {report.description}".strip()
        mark(services, TENCENT_SMS + report.sid, state, detail)
    return TencentReceiptOut()


@router.post(
    "/api/v1/providers/tencent/{token}/sms-reply",
    responses=_ERRORS,
    summary="Tencent SMS replies",
)
async def tencent_sms_reply(
    token: str,
    body: Annotated[TencentSmsReplyIn, Body()],
    session: SessionDep,
    services: ServicesDep,
) -> TencentReceiptOut:
    """A reply `1` or `收到` (with a short code when the person has several open items)."""
    _checked(services, "tencent", token)
    _reply(session, services, f"+{body.nationcode or '86'}{body.mobile}", body.text)
    return TencentReceiptOut()


def _mainland(phone: str) -> str:
    """Aliyun writes mainland numbers without +86."""
    if phone.startswith("+"):
        return phone
    return f"+{phone}" if len(phone) > 11 and phone.startswith("86") else f"+86{phone}"


def mark(services: Services, provider_id: str, state: DeliveryState, detail: str) -> None:
    """Apply a report now, or hold it until the send's result is stored (as for Twilio)."""
    now = services.clock.now()
    report_status(services.session, provider_id=provider_id, state=state, detail=detail, now=now)


def _reply(session: Session, services: Services, phone: str, text: str) -> None:
    answer_reply(
        session, settings=services.settings, phone=phone, body=text, now=services.clock.now()
    )
    session.commit()
    services.wake()


def _ack_by_key(session: Session, services: Services, provider_id: str) -> None:
    row = session.scalar(select(m.Notification).where(m.Notification.provider_id == provider_id))
    if row is None or row.obligation_id is None:
        return
    obligation = session.get(m.Obligation, row.obligation_id)
    person = session.get(m.Person, row.person_id) if row.person_id else None
    if obligation is None:
        return
    with suppress(Conflict):  # the unit acknowledged the instruction already
        acknowledge_told(
            session,
            settings=services.settings,
            obligation=obligation,
            via="voice",
            now=services.clock.now(),
            person=person,
            notification_id=row.id,
        )
    session.commit()
    services.wake()
