"""认定 (findings) on the incident page: a section head (or an admin) confirms, dismisses or
reopens a finding with a reason, written evidence and files; everyone who sees the incident
reads the findings and downloads the evidence. alerts/records/findings.py decides; a refused
form opens again on the incident page with its problems and what was typed."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from alerts.dashboard.auth import csrf_ok
from alerts.dashboard.pages import incident_forms as forms
from alerts.dashboard.pages import incidents
from alerts.dashboard.pages.common import Forbidden, PageContext, page_context
from alerts.errors import Invalid, Refused
from alerts.records.evidence import FIELD, check_files, download_headers
from alerts.records.findings import DECIDER_ROLES, EVENTS, decide
from alerts.records.uploads import read_posted
from alerts.services import ServicesDep
from alerts.storage import models as m
from rules.findings import Decision

router = APIRouter(include_in_schema=False)


@router.post("/incidents/{incident_id}/findings/{finding_id}", response_model=None)
async def decide_post(
    incident_id: int, finding_id: int, request: Request, services: ServicesDep
) -> Response:
    """A decision on one finding, with its reason, evidence and files; the incident page again."""
    with page_context(request, services) as ctx:
        incident = incidents.visible_incident(ctx, incident_id)
        finding = _finding(ctx.session, incident, finding_id) if incident else None
        if incident is None or finding is None:
            return incidents.not_found(ctx)
        if ctx.viewer.user.role not in DECIDER_ROLES:
            raise Forbidden
        form = f"finding-{finding.id}"
        try:
            posted = await read_posted(request)
        except Refused as refused:  # too large or not a form: nothing read, so nothing checked
            return _again(ctx, incident, form, {}, refused)
        if not csrf_ok(ctx.viewer.csrf_token, posted.fields.get("csrf_token")):
            raise Forbidden
        values = {**posted.fields, FIELD: ""}
        user = ctx.viewer.user
        try:
            row = decide(
                ctx.session,
                finding=finding,
                decision=posted.fields.get("decision", ""),
                reason=posted.fields.get("reason", ""),
                evidence=posted.fields.get("evidence", ""),
                files=check_files(posted.files),
                by=user.display_name,
                user_id=user.id,
                now=services.clock.now(),
            )
        except Refused as refused:
            return _again(ctx, incident, form, values, refused)
        ctx.session.commit()
        services.wake()
        done = EVENTS[Decision(row.decision)]
        return RedirectResponse(
            f"/incidents/{incident.id}?done={done}#finding-{finding.id}", status_code=303
        )


@router.get(
    "/incidents/{incident_id}/findings/{finding_id}/evidence/{evidence_id}", response_model=None
)
async def evidence_file(
    incident_id: int, finding_id: int, evidence_id: int, request: Request, services: ServicesDep
) -> Response:
    """An evidence file, as a download, to whoever may see the incident."""
    with page_context(request, services) as ctx:
        incident = incidents.visible_incident(ctx, incident_id)
        finding = _finding(ctx.session, incident, finding_id) if incident else None
        file = ctx.session.get(m.FindingEvidence, evidence_id) if finding else None
        if incident is None or file is None or file.finding_id != finding_id:
            return incidents.not_found(ctx)
        return Response(
            file.data, media_type=file.media_type, headers=download_headers(file.filename)
        )


def _finding(session: Session, incident: m.Incident, finding_id: int) -> m.Finding | None:
    """The incident's finding with this id."""
    found = session.get(m.Finding, finding_id)
    return found if found is not None and found.incident_id == incident.id else None


def _again(
    ctx: PageContext,
    incident: m.Incident,
    form: str,
    values: dict[str, str],
    refused: Refused,
) -> Response:
    """The incident page with the refused decision form open, its problems beside its fields
    (and what the refusal says as a whole, unless the fields say it all)."""
    said = not (isinstance(refused, Invalid) and refused.fields)
    wrong = forms.refused_form(refused, said=said)
    return incidents.render_incident(ctx, incident, open_form=form, values=values, refused=wrong)
