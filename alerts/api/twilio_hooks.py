"""What Twilio posts to us: status callbacks, inbound SMS replies, and voice key presses.

Every request must carry a valid X-Twilio-Signature for the URL Twilio called (our public URL
plus the path) and the form it sent; without one it is refused with 403 and changes nothing."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from alerts.api.errors import ApiError
from alerts.escalation.acks import acknowledge, answer_reply
from alerts.escalation.statuses import apply_early, hold_early, mark_delivery
from alerts.services import Services, ServicesDep
from alerts.storage import models as m
from notifiers.base import DeliveryState
from notifiers.voice import gather_reply_twiml

router = APIRouter(tags=["twilio"], include_in_schema=False)

_DELIVERED = {"delivered", "completed", "read"}
_FAILED = {"undelivered", "failed", "busy", "no-answer", "canceled"}


async def _verified_form(request: Request, services: Services) -> dict[str, str]:
    token = services.settings.notifications.twilio.auth_token.get_secret_value()
    form = {key: str(value) for key, value in (await request.form()).items()}
    url = services.settings.public_url.rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    signature = request.headers.get("x-twilio-signature", "")
    if not token or not RequestValidator(token).validate(url, form, signature):
        raise ApiError(403, "forbidden")
    return form


@router.post("/api/v1/twilio/status")
async def status_callback(request: Request, services: ServicesDep) -> Response:
    """A message's or call's delivery status."""
    form = await _verified_form(request, services)
    sid = form.get("MessageSid") or form.get("CallSid") or ""
    status = (form.get("MessageStatus") or form.get("CallStatus") or "").lower()
    state = (
        DeliveryState.DELIVERED
        if status in _DELIVERED
        else (DeliveryState.FAILED_PERM if status in _FAILED else None)
    )
    if state is not None and sid:
        _mark(services, sid, state, status)
    return Response(status_code=204)


def _mark(services: Services, sid: str, state: DeliveryState, status: str) -> None:
    """Apply the status now, or hold it when the outbox has not stored that SID yet (Twilio may
    call back before our send's answer is recorded): the outbox applies it when it lands, and
    the second look here catches a result committed in between (docs/decisions/0010)."""
    with services.session() as session:
        now = services.clock.now()
        if mark_delivery(session, provider_id=sid, state=state, detail=status, now=now):
            session.commit()
            return
        hold_early(session, provider_id=sid, state=state, detail=status, now=now)
        session.commit()
    with services.session() as session:
        apply_early(session, provider_ids=[sid])
        session.commit()


@router.post("/api/v1/twilio/sms")
async def inbound_sms(request: Request, services: ServicesDep) -> Response:
    """A reply: `1` or `收到`, with a short code when the person has several open items."""
    form = await _verified_form(request, services)
    with services.session() as session:
        key, params = answer_reply(
            session, phone=form.get("From", ""), body=form.get("Body", ""), now=services.clock.now()
        )
        session.commit()
    services.wake()
    twiml = MessagingResponse()
    twiml.message(services.translate(key, **params))
    return Response(str(twiml), media_type="application/xml")


@router.post("/api/v1/twilio/voice/{notification_id}/gather")
async def voice_key(notification_id: int, request: Request, services: ServicesDep) -> Response:
    """The key the called person pressed: 1 acknowledges."""
    form = await _verified_form(request, services)
    acknowledged = False
    with services.session() as session:
        notification = session.get(m.Notification, notification_id)
        if notification and notification.obligation_id and form.get("Digits") == "1":
            acknowledged = _ack_from_call(session, services, notification)
            session.commit()
    services.wake()
    return Response(gather_reply_twiml(acknowledged), media_type="application/xml")


def _ack_from_call(session: Session, services: Services, notification: m.Notification) -> bool:
    obligation: Any = session.get(m.Obligation, notification.obligation_id)
    person = session.get(m.Person, notification.person_id) if notification.person_id else None
    if obligation is None:
        return False
    acknowledge(
        session,
        obligation=obligation,
        via="voice",
        now=services.clock.now(),
        person=person,
        notification_id=notification.id,
    )
    return True
