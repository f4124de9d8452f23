"""/api/v1/roster import and export: a month's roster file in (CSV or XLSX, all or nothing, with
a report naming every bad row) and out. The office's token acts for every unit below it; a
unit's token for itself."""

from __future__ import annotations

from collections.abc import AsyncGenerator, Sequence
from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from sqlalchemy.orm import Session
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from alerts.api.deps import CallerDep
from alerts.api.errors import ApiError, FieldProblem, error_responses, render
from alerts.api.roster_access import acting_for
from alerts.api.roster_schemas import RosterFileRefusedOut, RosterImportOut, RowProblemOut
from alerts.api.schemas import ErrorOut
from alerts.audit import api_actor
from alerts.i18n import Translator
from alerts.roster.file_check import Problem
from alerts.roster.files import (
    MEDIA_TYPES,
    Format,
    ImportResult,
    export_roster,
    import_roster,
    report,
)
from alerts.roster.files import parse_month as read_month
from alerts.services import ServicesDep, SessionDep
from alerts.storage import models as m

router = APIRouter(tags=["roster-files"])
MAX_UPLOAD_BYTES = 2_000_000  # a month is a few KB; a styled workbook with a logo fits too
_RAW_TYPES = {
    "",
    "text/csv",
    "application/csv",
    "text/plain",
    "application/octet-stream",
    "application/vnd.ms-excel",  # what Windows browsers call a .csv file
    MEDIA_TYPES["xlsx"],
}


_UPLOAD = {
    "requestBody": {
        "required": True,
        "description": "the month's file: a multipart `file` part, or the raw CSV or XLSX",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            },
            "text/csv": {"schema": {"type": "string"}},
            MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
_FILES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "the month as a file, one row per day",
        "content": {
            MEDIA_TYPES["csv"]: {"schema": {"type": "string"}},
            MEDIA_TYPES["xlsx"]: {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "/api/v1/roster/import",
    response_model=RosterImportOut,
    responses={
        **error_responses(401, 403, 413, 415),
        422: {"description": "a bad request, or a bad file", "model": RosterFileRefusedOut},
    },
    openapi_extra=_UPLOAD,
)
async def import_month(
    request: Request,
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    unit: str | None = Query(None),
    month: str | None = Query(None),
) -> JSONResponse | RosterImportOut:
    """Replace a unit's imported roster for a month with an uploaded file, or change nothing
    and answer 422 with a report of every bad row."""
    target, first_day = _unit_and_month(session, caller, unit, month)
    data, filename = await _upload(request)
    result = import_roster(
        session,
        settings=services.settings,
        unit=target,
        month=first_day,
        data=data,
        actor=api_actor(caller),
        now=services.clock.now(),
        note=f"import {first_day:%Y-%m} {filename}".strip(),
    )
    if result.checked.errors:
        return _rejected(result, services.translate)
    session.commit()
    return RosterImportOut(
        unit=target.code,
        month=f"{first_day:%Y-%m}",
        days=len(result.checked.days),
        stored=result.stored,
        replaced=result.replaced,
        warnings=_problems(result.checked.warnings, services.translate),
    )


@router.get(
    "/api/v1/roster/export",
    response_class=Response,
    responses={**_FILES, **error_responses(401, 403, 422)},
)
async def export_month(
    session: SessionDep,
    caller: CallerDep,
    services: ServicesDep,
    unit: str | None = Query(None),
    month: str | None = Query(None),
    fmt: str = Query("csv", alias="format"),
) -> Response:
    """A unit's resolved roster for a month, one row per day, as CSV or XLSX."""
    target, first_day = _unit_and_month(session, caller, unit, month)
    if fmt not in MEDIA_TYPES:
        problem = FieldProblem("format", "choice", {"choices": "csv, xlsx"})
        raise ApiError(422, "invalid", fields=[problem])
    kind: Format = "xlsx" if fmt == "xlsx" else "csv"
    body = export_roster(
        session, settings=services.settings, unit=target, month=first_day, fmt=kind
    )
    name = f"roster-{target.code}-{first_day:%Y-%m}.{fmt}"
    return Response(
        body,
        media_type=MEDIA_TYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _unit_and_month(
    session: Session, caller: m.Unit, unit: str | None, month: str | None
) -> tuple[m.Unit, date]:
    """The unit the caller may act for and the month's first day; 403 or 422 otherwise."""
    problems = [FieldProblem("unit", "required")] if not unit else []
    first_day = read_month(month)
    if first_day is None:
        problems.append(FieldProblem("month", "required" if not month else "roster_file_month"))
    if problems:
        raise ApiError(422, "invalid", fields=problems)
    target = acting_for(session, caller, unit)
    assert first_day is not None
    return target, first_day


async def _upload(request: Request) -> tuple[bytes, str]:
    """The uploaded file's bytes and name: a multipart `file` part, or the raw body."""
    mime = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if mime != "multipart/form-data" and mime not in _RAW_TYPES:
        raise ApiError(415, "roster_file_type")
    raw = await _read_limited(request)
    data, name = (
        (await _file_part(request.headers, raw)) if mime == "multipart/form-data" else (raw, "")
    )
    if not data:
        raise ApiError(422, "invalid", fields=[FieldProblem("file", "required")])
    return data, name


async def _read_limited(request: Request) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "too_large", limit=MAX_UPLOAD_BYTES)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_UPLOAD_BYTES:
            raise ApiError(413, "too_large", limit=MAX_UPLOAD_BYTES)
        chunks.append(chunk)
    return b"".join(chunks)


async def _file_part(headers: Headers, raw: bytes) -> tuple[bytes, str]:
    async def once() -> AsyncGenerator[bytes, None]:
        yield raw

    parser = MultiPartParser(
        headers, once(), max_files=1, max_fields=10, max_part_size=MAX_UPLOAD_BYTES
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise ApiError(422, "invalid", fields=[FieldProblem("file", "invalid")]) from exc
    try:
        part = form.get("file")
        if not isinstance(part, UploadFile):
            raise ApiError(422, "invalid", fields=[FieldProblem("file", "required")])
        return await part.read(), part.filename or ""
    finally:
        await form.close()


def _problems(problems: Sequence[Problem], translate: Translator) -> list[RowProblemOut]:
    return [RowProblemOut(**entry) for entry in report(problems, translate)]


def _rejected(result: ImportResult, translate: Translator) -> JSONResponse:
    errors = result.checked.errors
    problem = FieldProblem("file", "roster_file_problems", {"count": len(errors)})
    answer = render(ApiError(422, "roster_file_rejected", fields=[problem]), translate)
    refused = RosterFileRefusedOut(
        error=ErrorOut.model_validate_json(bytes(answer.body)).error,
        report=_problems(errors, translate),
        warnings=_problems(result.checked.warnings, translate),
    )
    return JSONResponse(refused.model_dump(mode="json"), status_code=422)
