"""Acknowledging an obligation: by API token, and by the signed link in an SMS or email (on
an instruction's acknowledgement clock, the link of its relay message: the unit's 签收)."""

from __future__ import annotations

from html import escape

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import error_responses
from alerts.api.schemas import AckOut
from alerts.errors import Conflict
from alerts.escalation.acks import acknowledge, acknowledge_told, obligation_for
from alerts.escalation.links import AckLinks
from alerts.escalation.subjects import Subject, subject_of
from alerts.instructions.receipts import is_receipt
from alerts.services import ClockDep, Services, ServicesDep, SessionDep
from alerts.storage import models as m

router = APIRouter(tags=["acknowledgements"])


@router.post(
    "/api/v1/obligations/{obligation_id}/acknowledge",
    status_code=201,
    responses=error_responses(401, 403, 404, 422),
)
async def acknowledge_obligation(
    obligation_id: int,
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    clock: ClockDep,
    wire: WireDep,
) -> AckOut:
    """收到 by the owing unit's or the office's token: pauses the ladder."""
    obligation = obligation_for(session, obligation_id=obligation_id, unit=caller)
    ack = acknowledge(session, obligation=obligation, via="api", now=clock.now(), by=caller.code)
    session.commit()
    services.wake()
    return AckOut(id=ack.id, obligation_id=obligation.id, via="api", at=wire.moment(ack.at))


@router.get("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
async def ack_page(token: str, session: SessionDep, services: ServicesDep) -> HTMLResponse:
    """The page a signed link opens: says what it is about and asks to confirm (a GET changes
    nothing, so link scanners in mail systems cannot acknowledge for anyone)."""
    found = _resolve(services.ack_links, session, token)
    if found is None:
        return _page(services, "link_invalid", status=404)
    obligation, subject, person = found
    title = "" if subject.classified else subject.title
    key = "confirm_instruction" if is_receipt(obligation, person) else "confirm"
    return _page(services, key, title=title, form=True)


@router.post("/ack/{token}", response_class=HTMLResponse, include_in_schema=False)
async def ack_confirm(
    token: str, session: SessionDep, services: ServicesDep, clock: ClockDep
) -> HTMLResponse:
    """Acknowledge through a signed link."""
    found = _resolve(services.ack_links, session, token)
    if found is None:
        return _page(services, "link_invalid", status=404)
    obligation, _, person = found
    try:
        acknowledge_told(
            session,
            settings=services.settings,
            obligation=obligation,
            via="link",
            now=clock.now(),
            person=person,
        )
    except Conflict:
        return _page(services, "instruction_already_acknowledged", status=409)
    session.commit()
    services.wake()
    return _page(services, "done_instruction" if is_receipt(obligation, person) else "done")


def _resolve(
    links: AckLinks, session: Session, token: str
) -> tuple[m.Obligation, Subject, m.Person | None] | None:
    read = links.read(token)
    if read is None:
        return None
    obligation = session.get(m.Obligation, read[0])
    if obligation is None:
        return None
    person = session.get(m.Person, read[1]) if read[1] else None
    return obligation, subject_of(session, obligation), person


def _page(
    services: Services, key: str, *, title: str = "", form: bool = False, status: int = 200
) -> HTMLResponse:
    t = services.translate
    body = f"<h1>{escape(t('ack.heading'))}</h1><p>{escape(t(f'ack.{key}'))}</p>"
    if title:
        body += f"<p><strong>{escape(title)}</strong></p>"
    if form:
        body += (
            f'<form method="post"><button type="submit">{escape(t("ack.button"))}</button></form>'
        )
    html = (
        f'<!doctype html><html lang="{t("ack.lang")}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(t('ack.heading'))}</title></head><body>{body}</body></html>"
    )
    return HTMLResponse(html, status_code=status)
