"""POST /api/v1/filings: the filing webhook of CONTRACT.md §2."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from alerts.api.auth import authenticate, authenticate_chain, verify_signature
from alerts.api.bounds import read_body, read_json
from alerts.api.deps import BearerDep, token_of
from alerts.api.errors import (
    FILINGS_PATH,
    ApiError,
    FieldProblem,
    error_responses,
    problems_from_validation,
    status_of,
)
from alerts.api.filing_in import FilingIn
from alerts.api.openapi import json_body
from alerts.api.schemas import FilingOut, IncidentStateOut, WarningOut
from alerts.api.wire import Wire
from alerts.errors import Refused
from alerts.filing import intake
from alerts.filing.intake import FilingOutcome
from alerts.i18n import Translator
from alerts.instructions.clocks import InstructionState
from alerts.instructions.feedback import file_feedback
from alerts.services import Services, ServicesDep, SessionDep
from alerts.storage.models import IdempotencyRecord, Instruction, Unit
from alerts.storage.queries import idempotency_record
from rules.model import FilingKind

router = APIRouter(tags=["filings"])
_BODY = (
    "A report as CONTRACT.md §2 defines it. Unknown top-level keys are ignored and named in the "
    "warnings; `Content-Type: application/json` is expected but not required."
)
_HEADERS = [
    {
        "name": "Idempotency-Key",
        "in": "header",
        "required": False,
        "description": "the same key with the same body answers the first answer again",
        "schema": {"type": "string", "minLength": 1, "maxLength": 200},
    },
    {
        "name": "X-Jibao-Signature",
        "in": "header",
        "required": False,
        "description": "`sha256=<hex HMAC-SHA256 of the raw body>`, for units that require it",
        "schema": {"type": "string"},
    },
]


async def _filer(session: SessionDep, services: ServicesDep, credentials: BearerDep) -> Unit:
    """The filing unit; a refused token counts as a refused filing."""
    try:
        return authenticate(session, services.callers, token_of(credentials))
    except ApiError as error:
        services.metrics.rejected.labels(str(error.status)).inc()
        raise


FilerDep = Annotated[Unit, Depends(_filer)]


@router.post(
    FILINGS_PATH,
    status_code=201,
    response_model=FilingOut,
    responses=error_responses(401, 403, 404, 409, 413, 422),
    openapi_extra={**json_body(FilingIn, _BODY), "parameters": _HEADERS},
)
async def file_report(
    request: Request,
    session: SessionDep,
    services: ServicesDep,
    credentials: BearerDep,
    filer: FilerDep,
) -> JSONResponse:
    """File a report (phone, initial, followup, final, upward, register); answers what is owed.

    The body is read here, not by FastAPI: its raw bytes are signed and digested for
    idempotency. The database work joins the filings arriving with it in one transaction, each
    in its own savepoint, and is answered once that transaction's commit is on disk
    (docs/decisions/0023-group-commit.md)."""
    started = time.perf_counter()
    try:
        raw = await read_body(request, services.settings.api.max_body_bytes)
        verify_signature(filer, request, raw)
        key = _idempotency_key(request)
        session.commit()  # give back a connection the token lookup took: the batch has its own
        filing = _Filing(services, token_of(credentials), key, hashlib.sha256(raw).hexdigest(), raw)
        status, body, kind = await services.writes.run(
            filing.store, filing.replay_after_race if key is not None else None
        )
    except (ApiError, Refused) as error:
        services.metrics.rejected.labels(str(status_of(error))).inc()
        raise
    if kind is not None:  # stored, not replayed
        services.metrics.filings.labels(kind).inc()
        services.wake()  # new obligations may need a reminder or a step soon
    services.metrics.filing_seconds.observe(time.perf_counter() - started)
    return JSONResponse(body, status_code=status)


@dataclass(frozen=True)
class _Filing:
    """One request's filing as work for the group commit: what `store` returns is the status,
    the answer, and the kind stored (None for a replay, which stores nothing)."""

    services: Services
    token: str | None
    key: str | None
    digest: str
    raw: bytes

    def store(self, session: Session) -> tuple[int, Any, str | None]:
        """Replay, or check, store and answer the filing in the batch's session."""
        services = self.services
        chain = authenticate_chain(session, services.callers, self.token)  # held to the end
        filer = chain[0]
        if self.key is not None and (replay := _replay(session, filer, self.key, self.digest)):
            return (*replay, None)
        filing_in = _parse(self.raw)
        now = services.clock.now()
        wire = Wire(services.settings.rules.timezone)
        report = filing_in.to_report()
        if report.kind is FilingKind.FEEDBACK:
            instruction, state = file_feedback(
                session, settings=services.settings, filer=filer, body=report, now=now
            )
            answer = _feedback_answer(instruction, state, wire, now)
        else:
            outcome = intake.file_report(
                session, settings=services.settings, filer=filer, body=report, now=now
            )
            answer = _answer(outcome, wire, services.translate)
        if self.key is not None:
            session.execute(
                insert(IdempotencyRecord).values(
                    unit_id=filer.id,
                    key=self.key,
                    body_sha256=self.digest,
                    status_code=201,
                    response=answer,
                    created_at=now,
                )
            )
        del chain
        return 201, answer, filing_in.kind.value

    def replay_after_race(self, session: Session, error: Exception) -> tuple[int, Any, None]:
        """Another instance stored the same key first (its savepoint undone): answer as it did."""
        if isinstance(error, IntegrityError) and self.key is not None:
            filer = authenticate(session, self.services.callers, self.token)
            if replay := _replay(session, filer, self.key, self.digest):
                return (*replay, None)
        raise error


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key.strip()) <= 200:
        raise ApiError(
            422, "invalid", fields=[FieldProblem("Idempotency-Key", "too_long", {"max": 200})]
        )
    return key.strip() if key is not None else None


def _replay(session: Session, filer: Unit, key: str, digest: str) -> tuple[int, Any] | None:
    record = idempotency_record(session, unit_id=filer.id, key=key)
    if record is None:
        return None
    if record.body_sha256 != digest:
        raise ApiError(409, "conflict_idempotency")
    return record.status_code, record.response


def _parse(raw: bytes) -> FilingIn:
    data = read_json(raw)
    if not isinstance(data, dict):
        raise ApiError(422, "bad_json")
    try:
        return FilingIn.model_validate(data)
    except ValidationError as exc:
        raise ApiError(422, "invalid", fields=problems_from_validation(exc.errors())) from exc


def _answer(outcome: FilingOutcome, wire: Wire, translate: Translator) -> dict[str, Any]:
    """FilingOut as JSON: stored for idempotent replays, which answer it byte for byte."""
    warnings = []
    for notice in outcome.notices:
        params = dict(notice.params)
        if "field" in params:
            params["field"] = (
                translate(f"field.{params['field']}")
                if "." not in params["field"]
                else params["field"]
            )
        warnings.append(
            WarningOut(
                code=notice.code,
                field=notice.field,
                message=translate(f"warning.{notice.code}", **params),
            )
        )
    answer = FilingOut(
        incident_id=outcome.incident.id,
        filing_id=outcome.filing.id,
        received_at=wire.moment(outcome.filing.received_at),
        warnings=warnings,
        obligations=[wire.obligation(o, outcome.unit_codes) for o in outcome.obligations],
        incident=IncidentStateOut(state=outcome.incident.state, severity=outcome.incident.severity),
    )
    return answer.model_dump(mode="json")


def _feedback_answer(
    instruction: Instruction, state: InstructionState, wire: Wire, now: datetime
) -> dict[str, Any]:
    """FilingOut for feedback: the instruction's clocks as they now stand."""
    answer = FilingOut(
        incident_id=instruction.incident_id,
        filing_id=None,
        instruction_id=instruction.id,
        received_at=wire.moment(now),
        warnings=[],
        obligations=[wire.obligation(o, state.codes) for o in state.obligations],
        incident=None,
    )
    return answer.model_dump(mode="json")
