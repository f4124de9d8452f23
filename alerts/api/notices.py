"""The notice routes (一事一通报): the notices a token reads (the office's: all of them and the
candidates to draft; a unit's: its approved ones), one notice, and, by the office's token only,
drafting from a candidate, editing a draft's 整改要求, approving (numbered, emailed, on the
timeline) and discarding a draft. alerts/notices decides."""

from __future__ import annotations

from fastapi import APIRouter, Response

from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import error_responses
from alerts.api.notice_schemas import (
    CandidateOut,
    NoticeDraftIn,
    NoticeEditIn,
    NoticeEmailOut,
    NoticeListOut,
    NoticeOut,
)
from alerts.api.wire import Wire
from alerts.errors import Forbidden, NotFound
from alerts.notices.access import View, api_view, notice_for
from alerts.notices.approval import approve
from alerts.notices.drafting import discard, draft, edit
from alerts.notices.sources import Source, candidates
from alerts.notices.wording import number_text
from alerts.services import ClockDep, ServicesDep, SessionDep
from alerts.storage import models as m
from alerts.storage.queries import all_units
from alerts.storage.queries.notices import notice_emails

router = APIRouter(tags=["notices"])
PATH = "/api/v1/notices"


@router.get(PATH, responses=error_responses(401, 403))
async def list_notices(
    session: SessionDep, caller: CallerDep, wire: WireDep, services: ServicesDep
) -> NoticeListOut:
    """The notices the caller reads, and for the office's token the candidates: each late
    report, and each confirmed missed or concealed one, that has no notice yet."""
    view = _view(session, caller)
    codes = _codes(session)
    return NoticeListOut(
        notices=[_out(session, wire, services, n, codes) for n in view.notices(session)],
        candidates=[_candidate(wire, s) for s in candidates(session, office=view.office)]
        if view.is_office
        else [],
    )


@router.post(PATH, status_code=201, responses=error_responses(401, 403, 404, 409, 413, 422))
async def draft_notice(
    body: NoticeDraftIn,
    session: SessionDep,
    caller: CallerDep,
    wire: WireDep,
    services: ServicesDep,
    clock: ClockDep,
) -> NoticeOut:
    """Draft a notice from a candidate (the office's token): its facts frozen, its text
    written. 409 when the source is not late or confirmed, or has a notice already."""
    view = _office_view(session, caller)
    row = draft(
        session,
        translate=services.translate,
        zone=services.settings.rules.timezone,
        office=view.office,
        key=body.source,
        requirements=body.requirements,
        by=caller.name,
        now=clock.now(),
    )
    session.commit()
    return _out(session, wire, services, row, _codes(session))


@router.get(PATH + "/{notice_id}", responses=error_responses(401, 403, 404, 422))
async def get_notice(
    notice_id: int, session: SessionDep, caller: CallerDep, wire: WireDep, services: ServicesDep
) -> NoticeOut:
    """One notice the caller reads (a unit: only an approved one addressed to it)."""
    row = _notice(session, _view(session, caller), notice_id)
    return _out(session, wire, services, row, _codes(session))


@router.patch(PATH + "/{notice_id}", responses=error_responses(401, 403, 404, 409, 413, 422))
async def edit_notice(
    notice_id: int,
    body: NoticeEditIn,
    session: SessionDep,
    caller: CallerDep,
    wire: WireDep,
    services: ServicesDep,
    clock: ClockDep,
) -> NoticeOut:
    """New 整改要求 for a draft (the office's token); 409 once it is approved."""
    row = _notice(session, _office_view(session, caller), notice_id)
    edit(session, notice=row, requirements=body.requirements, now=clock.now())
    session.commit()
    return _out(session, wire, services, row, _codes(session))


@router.post(PATH + "/{notice_id}/approval", responses=error_responses(401, 403, 404, 409, 422))
async def approve_notice(
    notice_id: int,
    session: SessionDep,
    caller: CallerDep,
    wire: WireDep,
    services: ServicesDep,
    clock: ClockDep,
) -> NoticeOut:
    """Approve a draft (the office's token): numbered 〔year〕第 N 号, emailed to the unit's
    principal and duty officer on duty, on the incident's timeline. 409 when approved already,
    or when its finding was dismissed, reopened or confirmed anew since it was drafted."""
    row = _notice(session, _office_view(session, caller), notice_id)
    approve(
        session,
        settings=services.settings,
        roster=services.roster,
        translate=services.translate,
        notice=row,
        by=caller.name,
        now=clock.now(),
    )
    session.commit()
    services.wake()
    return _out(session, wire, services, row, _codes(session))


@router.delete(
    PATH + "/{notice_id}",
    status_code=204,
    response_class=Response,
    responses={204: {"description": "discarded"}, **error_responses(401, 403, 404, 409, 422)},
)
async def discard_notice(notice_id: int, session: SessionDep, caller: CallerDep) -> Response:
    """Discard a draft (the office's token): its source is a candidate again; 409 once
    approved (an approved notice is never withdrawn here)."""
    row = _notice(session, _office_view(session, caller), notice_id)
    discard(session, notice=row)
    session.commit()
    return Response(status_code=204)


def _view(session: SessionDep, caller: m.Unit) -> View:
    view = api_view(session, caller)
    if view is None:
        raise Forbidden()
    return view


def _office_view(session: SessionDep, caller: m.Unit) -> View:
    view = _view(session, caller)
    if not view.is_office:
        raise Forbidden(code="notices_office_only")
    return view


def _notice(session: SessionDep, view: View, notice_id: int) -> m.Notice:
    row = notice_for(session, view, notice_id)
    if row is None:
        raise NotFound("notice_not_found")
    return row


def _codes(session: SessionDep) -> dict[int, str]:
    return {u.id: u.code for u in all_units(session)}


def _candidate(wire: Wire, found: Source) -> CandidateOut:
    return CandidateOut.model_validate(  # kinds are the Literals' (alerts/notices/sources.py)
        {
            "kind": found.kind,
            "source": found.key,
            "incident_id": found.incident.id,
            "incident_title": found.incident.title,
            "unit": found.unit.code,
            "unit_name": found.unit.name,
            "report_kind": found.report_kind,
            "due_at": wire.time(found.due_at),
            "received_at": wire.time(found.received_at),
            "minutes_late": found.minutes_late,
            "obligation_id": found.obligation.id if found.obligation else None,
            "finding_id": found.finding.id if found.finding else None,
            "reason": found.reason,
        }
    )


def _out(
    session: SessionDep, wire: Wire, services: ServicesDep, row: m.Notice, codes: dict[int, str]
) -> NoticeOut:
    return NoticeOut.model_validate(  # kinds and states are the Literals' (alerts/notices)
        {
            "id": row.id,
            "state": row.state,
            "year": row.year,
            "number": row.number,
            "number_text": number_text(services.translate, row),
            "kind": row.kind,
            "source": row.source,
            "incident_id": row.incident_id,
            "incident_title": row.incident_title,
            "unit": codes.get(row.unit_id, str(row.unit_id)),
            "unit_name": row.unit_name,
            "report_kind": row.report_kind,
            "due_at": wire.time(row.due_at),
            "received_at": wire.time(row.received_at),
            "minutes_late": row.minutes_late,
            "obligation_id": row.obligation_id,
            "finding_id": row.finding_id,
            "reason": row.reason,
            "title": row.title,
            "body": row.body,
            "requirements": row.requirements,
            "drafted_at": wire.moment(row.drafted_at),
            "drafted_by": row.drafted_by,
            "approved_at": wire.time(row.approved_at),
            "approved_by": row.approved_by,
            "emails": [
                NoticeEmailOut(to=name, address=n.address, state=n.state)
                for n, name in notice_emails(session, notice_id=row.id)
            ],
        }
    )
