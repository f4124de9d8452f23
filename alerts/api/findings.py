"""The finding routes (认定): an incident's findings for its unit and its office; a decision
(confirm, dismiss, reopen) with a reason, evidence and files, by the office's token only; and
the evidence files themselves. alerts/records/findings.py decides; this module reads bodies."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response
from pydantic import ValidationError
from sqlalchemy.orm import Session

from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import ApiError, error_responses, problems_from_validation
from alerts.api.finding_schemas import (
    DecisionIn,
    DecisionOut,
    EvidenceFileOut,
    FindingListOut,
    FindingOut,
)
from alerts.api.openapi import json_body
from alerts.api.wire import Wire
from alerts.errors import Forbidden, NotFound
from alerts.records.evidence import (
    FIELD,
    MAX_FILE_BYTES,
    MAX_FILES,
    MAX_TOTAL_BYTES,
    TYPES,
    check_files,
    download_headers,
)
from alerts.records.findings import (
    FindingLine,
    decide,
    finding_by_id,
    findings_on,
    lines,
    may_read,
    office_decides,
)
from alerts.records.uploads import is_form, media_type, read_limited, read_posted
from alerts.services import ClockDep, ServicesDep, SessionDep
from alerts.storage import models as m
from alerts.storage.queries import all_units

router = APIRouter(tags=["findings"])
PATH = "/api/v1/findings"
_DECISION = json_body(
    DecisionIn,
    "the decision as JSON, or as multipart/form-data with the same fields and up to "
    f"{MAX_FILES} evidence files in `{FIELD}` (each at most {MAX_FILE_BYTES} bytes, "
    f"{MAX_TOTAL_BYTES} in all; pdf, jpg, png, docx, xlsx or txt, checked by their bytes)",
)
_FIELDS: dict[str, Any] = {
    "decision": {"type": "string", "enum": ["confirm", "dismiss", "reopen"]},
    "reason": {"type": "string"},
    "evidence": {"type": "string"},
}
_FILES = {FIELD: {"type": "array", "items": {"type": "string", "format": "binary"}}}
for _media, _properties in (
    ("multipart/form-data", {**_FIELDS, **_FILES}),
    ("application/x-www-form-urlencoded", _FIELDS),
):
    _DECISION["requestBody"]["content"][_media] = {
        "schema": {"type": "object", "required": ["decision", "reason"], "properties": _properties}
    }
_FILE: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the file as given, with its checked type",
        "content": {t: {"schema": {"type": "string", "format": "binary"}} for t in TYPES.values()},
    }
}


@router.get(
    "/api/v1/incidents/{incident_id}/findings", responses=error_responses(401, 403, 404, 422)
)
async def list_findings(
    incident_id: int, session: SessionDep, caller: CallerDep, wire: WireDep
) -> FindingListOut:
    """An incident's findings with every decision and reason, to its unit and its office."""
    incident = session.get(m.Incident, incident_id)
    if incident is None:
        raise ApiError(404, "incident_not_found")
    if not may_read(caller, incident):
        raise ApiError(403, "forbidden")
    return FindingListOut(findings=_out(session, wire, findings_on(session, incident)))


@router.get(PATH + "/{finding_id}", responses=error_responses(401, 403, 404, 422))
async def get_finding(
    finding_id: int, session: SessionDep, caller: CallerDep, wire: WireDep
) -> FindingOut:
    """One finding with every decision and reason, to its unit and its office."""
    finding, incident = finding_by_id(session, finding_id)
    if not may_read(caller, incident):
        raise Forbidden()
    return _out(session, wire, lines(session, incident, [finding]))[0]


@router.post(
    PATH + "/{finding_id}/decision",
    status_code=201,
    response_model=FindingOut,
    responses=error_responses(401, 403, 404, 409, 413, 415, 422),
    openapi_extra=_DECISION,
)
async def decide_finding(
    finding_id: int,
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    clock: ClockDep,
    services: ServicesDep,
    wire: WireDep,
) -> FindingOut:
    """Confirm, dismiss or reopen a finding, with a reason and evidence: the incident's office
    only (403 to its unit, whose findings these are). 409 when its state does not allow the
    decision; nothing is written on any refusal."""
    finding, incident = finding_by_id(session, finding_id)
    if not office_decides(caller, incident):
        raise Forbidden(code="findings_office_only")
    fields, uploads = await _body(request)
    files = check_files(uploads)
    decide(
        session,
        finding=finding,
        decision=str(fields.get("decision", "")),
        reason=str(fields.get("reason", "")),
        evidence=str(fields.get("evidence", "")),
        files=files,
        by=caller.name,
        now=clock.now(),
    )
    session.commit()
    services.wake()
    return _out(session, wire, lines(session, incident, [finding]))[0]


@router.get(
    PATH + "/{finding_id}/evidence/{evidence_id}",
    response_class=Response,
    responses={**_FILE, **error_responses(401, 403, 404, 422)},
)
async def get_evidence(
    finding_id: int, evidence_id: int, session: SessionDep, caller: CallerDep
) -> Response:
    """An evidence file as it was given, to the incident's unit and its office."""
    _, incident = finding_by_id(session, finding_id)
    if not may_read(caller, incident):
        raise Forbidden()
    file = session.get(m.FindingEvidence, evidence_id)
    if file is None or file.finding_id != finding_id:
        raise NotFound("not_found")
    return evidence_response(file)


def evidence_response(file: m.FindingEvidence) -> Response:
    """A stored file as a download."""
    return Response(file.data, media_type=file.media_type, headers=download_headers(file.filename))


async def _body(request: Request) -> tuple[dict[str, Any], list[tuple[str, bytes]]]:
    """The decision's fields and files, from a multipart form or a JSON body."""
    if is_form(request):
        posted = await read_posted(request)
        return dict(posted.fields), posted.files
    if media_type(request) != "application/json":
        raise ApiError(415, "decision_type")
    raw = await read_limited(request, 1 << 20)
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(422, "bad_json") from exc
    if not isinstance(data, dict):
        raise ApiError(422, "bad_json")
    try:
        return DecisionIn.model_validate(data).model_dump(), []
    except ValidationError as exc:
        raise ApiError(422, "invalid", fields=problems_from_validation(exc.errors())) from exc


def _out(session: Session, wire: Wire, found: list[FindingLine]) -> list[FindingOut]:
    codes = {u.id: u.code for u in all_units(session)}
    return [_finding_out(wire, line, codes) for line in found]


def _finding_out(wire: Wire, line: FindingLine, codes: dict[int, str]) -> FindingOut:
    f = line.finding
    decisions = [
        {
            "id": d.decision.id,
            "decision": d.decision.decision,
            "from_state": d.decision.from_state,
            "to_state": d.decision.to_state,
            "at": wire.moment(d.decision.at),
            "by": d.decision.by,
            "reason": d.decision.reason,
            "evidence": d.decision.evidence,
            "files": [
                EvidenceFileOut(
                    id=e.id,
                    filename=e.filename,
                    media_type=e.media_type,
                    size=e.size,
                    sha256=e.sha256,
                )
                for e in d.files
            ],
        }
        for d in line.decisions
    ]
    return FindingOut.model_validate(  # the states and kinds are the Literals' (rules/findings.py)
        {
            "id": f.id,
            "incident_id": f.incident_id,
            "unit": codes.get(f.unit_id, str(f.unit_id)),
            "kind": f.kind,
            "key": f.key,
            "state": f.state,
            "raised_at": wire.moment(f.raised_at),
            "obligation_id": f.obligation_id,
            "filing_id": f.filing_id,
            "params": f.params or {},
            "stands": line.stands,
            "counts": line.counts,
            "moves": list(line.moves),
            "decisions": [DecisionOut.model_validate(d) for d in decisions],
        }
    )
