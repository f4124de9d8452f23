"""What Twilio posts to us: status callbacks, inbound SMS replies, and voice key presses. These
are form-encoded and answer TwiML (XML) or nothing, as Twilio expects; their schemas say so.

Every request must carry a valid X-Twilio-Signature for the URL Twilio called (our public URL
plus the path) and the form it sent; without one it is refused with 403 and changes nothing."""

from __future__ import annotations

from contextlib import suppress
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from alerts.api.errors import ApiError, error_responses
from alerts.errors import Conflict
from alerts.escalation.acks import acknowledge_told, answer_reply
from alerts.escalation.statuses import report_status
from alerts.services import Services, ServicesDep, SessionDep
from alerts.storage import models as m
from notifiers.base import DeliveryState

router = APIRouter(tags=["twilio"])

_DELIVERED = {"delivered", "completed", "read"}
_FAILED = {"undelivered", "failed", "busy", "no-answer", "canceled"}


def _form_body(description: str, fields: dict[str, str]) -> dict[str, Any]:
    """`openapi_extra` of a Twilio webhook: a signed form, read by `_verified_form`."""
    properties = {name: {"type": "string", "description": text} for name, text in fields.items()}
    return {
        "parameters": [_SIGNATURE],
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "properties": properties}
                }
            },
        },
    }


_SIGNATURE = {
    "name": "X-Twilio-Signature",
    "in": "header",
    "required": True,
    "description": "Twilio's signature of our public URL and the form, with our auth token",
    "schema": {"type": "string"},
}
_TWIML = {
    "description": "TwiML, the answer Twilio acts on",
    "content": {"application/xml": {"schema": {"type": "string"}}},
}


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


@router.post(
    "/api/v1/twilio/status",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "recorded (or not ours)"}, **error_responses(403)},
    openapi_extra=_form_body(
        "a message's or a call's status",
        {
            "MessageSid": "the message, for SMS",
            "MessageStatus": "delivered, undelivered, failed, …",
            "CallSid": "the call, for voice",
            "CallStatus": "completed, busy, no-answer, …",
            "To": "the number messaged or called",
        },
    ),
)
async def twilio_status(request: Request, services: ServicesDep) -> Response:
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
    call back before our send's answer is recorded; docs/decisions/0010)."""
    now = services.clock.now()
    report_status(services.session, provider_id=sid, state=state, detail=status, now=now)


@router.post(
    "/api/v1/twilio/sms",
    response_class=Response,
    responses={200: _TWIML, **error_responses(403)},
    openapi_extra=_form_body(
        "an SMS reply", {"From": "the sender's number", "Body": "`1`, `收到`, `在岗 CODE`…"}
    ),
)
async def twilio_sms(request: Request, session: SessionDep, services: ServicesDep) -> Response:
    """A reply: `1` or `收到`, with a short code when the person has several open items."""
    form = await _verified_form(request, services)
    key, params = answer_reply(
        session,
        settings=services.settings,
        phone=form.get("From", ""),
        body=form.get("Body", ""),
        now=services.clock.now(),
    )
    session.commit()
    services.wake()
    twiml = MessagingResponse()
    twiml.message(services.translate(key, **params))
    return Response(str(twiml), media_type="application/xml")


@router.post(
    "/api/v1/twilio/voice/{notification_id}/gather",
    response_class=Response,
    responses={200: _TWIML, **error_responses(403, 404, 422)},
    openapi_extra=_form_body("the keys pressed in a call", {"Digits": "`1` acknowledges"}),
)
async def twilio_voice_key(
    notification_id: int, request: Request, session: SessionDep, services: ServicesDep
) -> Response:
    """The key the called person pressed: 1 acknowledges."""
    form = await _verified_form(request, services)
    acknowledged = False
    notification = session.get(m.Notification, notification_id)
    if notification and notification.obligation_id and form.get("Digits") == "1":
        acknowledged = _ack_from_call(session, services, notification)
        session.commit()
    services.wake()
    # here, not at the top: notifiers.voice loads the Twilio client stack, which a service that
    # does not call by Twilio never needs resident
    from notifiers.voice import gather_reply_twiml

    return Response(gather_reply_twiml(acknowledged), media_type="application/xml")


def _ack_from_call(session: Session, services: Services, notification: m.Notification) -> bool:
    obligation: Any = session.get(m.Obligation, notification.obligation_id)
    person = session.get(m.Person, notification.person_id) if notification.person_id else None
    if obligation is None:
        return False
    with suppress(Conflict):  # the unit acknowledged the instruction already: nothing to add
        acknowledge_told(
            session,
            settings=services.settings,
            obligation=obligation,
            via="voice",
            now=services.clock.now(),
            person=person,
            notification_id=notification.id,
        )
    return True
