"""/api/v1/roster import, export and calendar feeds: a month's roster file in (CSV or XLSX, all or
nothing, with a report naming every bad row) and out, and the signed iCalendar links phones
subscribe to. The office's token acts for every unit below it; a unit's token for itself."""

from __future__ import annotations

import json
import logging
import secrets
from collections.abc import AsyncGenerator
from datetime import date
from typing import Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import Field
from sqlalchemy.orm import Session
from starlette.datastructures import Headers, UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from alerts.api.auth import authenticate
from alerts.api.bounds import RowId
from alerts.api.errors import ApiError, FieldProblem, error_responses, render
from alerts.api.roster_access import In, acting_for, roster_book
from alerts.roster.calendar import CalendarLinks, feed, person_events, unit_events, window
from alerts.roster.files import (
    MEDIA_TYPES,
    Format,
    ImportResult,
    export_roster,
    import_roster,
    report,
)
from alerts.roster.files import parse_month as read_month
from alerts.services import Services, ServicesDep
from alerts.storage import models as m

log = logging.getLogger(__name__)
router = APIRouter(tags=["roster"], responses=error_responses(401, 403, 404, 413, 422))
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


class CalendarLinkIn(In):
    """Whose feed: one person's (every unit they serve) or one unit's."""

    person_id: RowId | None = None
    unit: str | None = Field(default=None, min_length=1, max_length=64)


@router.post("/api/v1/roster/import")
async def import_month(
    request: Request,
    services: ServicesDep,
    unit: str | None = Query(None),
    month: str | None = Query(None),
) -> JSONResponse:
    """Replace a unit's imported roster for a month with an uploaded file, or change nothing
    and answer 422 with a report of every bad row."""
    with services.session() as session:
        target, first_day = _unit_and_month(session, services, request, unit, month)
        data, filename = await _upload(request)
        result = import_roster(
            session,
            settings=services.settings,
            unit=target,
            month=first_day,
            data=data,
            note=f"import {first_day:%Y-%m} {filename}".strip(),
        )
        if result.checked.errors:
            return _rejected(result, services)
        session.commit()
        return JSONResponse(
            {
                "unit": target.code,
                "month": f"{first_day:%Y-%m}",
                "days": len(result.checked.days),
                "stored": result.stored,
                "replaced": result.replaced,
                "warnings": report(result.checked.warnings, services.translate),
            }
        )


@router.get("/api/v1/roster/export")
async def export_month(
    request: Request,
    services: ServicesDep,
    unit: str | None = Query(None),
    month: str | None = Query(None),
    fmt: str = Query("csv", alias="format"),
) -> Response:
    """A unit's resolved roster for a month, one row per day, as CSV or XLSX."""
    with services.session() as session:
        target, first_day = _unit_and_month(session, services, request, unit, month)
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


@router.post("/api/v1/roster/calendar-links")
async def calendar_link(
    body: CalendarLinkIn, request: Request, services: ServicesDep
) -> dict[str, Any]:
    """The subscribable feed address of a person's or a unit's duty shifts."""
    if (body.person_id is None) == (body.unit is None):
        raise ApiError(422, "invalid", fields=[FieldProblem("person_id", "calendar_target")])
    links = _links(request, services)
    with services.session() as session:
        if body.person_id is not None:
            person = session.get(m.Person, body.person_id)
            if person is None:
                authenticate(session, request, services.callers)  # 401 before 422
                raise ApiError(422, "invalid", fields=[FieldProblem("person_id", "unknown_person")])
            owner = session.get(m.Unit, person.unit_id)
            acting_for(session, services, request, owner.code if owner else None)
            url = links.url("person", person.id)
            answer: dict[str, Any] = {"person_id": person.id}
        else:
            target, _ = acting_for(session, services, request, body.unit)
            url = links.url("unit", target.id)
            answer = {"unit": target.code}
    webcal = "webcal://" + url.split("://", 1)[1]
    return {**answer, "url": url, "webcal": webcal}


@router.get("/api/v1/roster/calendar/{token}.ics", response_class=Response)
async def calendar(token: str, request: Request, services: ServicesDep) -> Response:
    """The iCalendar feed a signed link names; 404 for a token that is not genuine."""
    found = _links(request, services).read(token)
    if found is None:
        raise ApiError(404, "not_found")
    target, ident = found
    now, book, translate = services.clock.now(), roster_book(request), services.translate
    start, end = window(now)
    with services.session() as session:
        row = session.get(m.Person if target == "person" else m.Unit, ident)
        if isinstance(row, m.Person):
            events = person_events(session, book=book, person=row, start=start, end=end)
            name = translate("roster_calendar.person_name", person=row.name)
        elif isinstance(row, m.Unit):
            events = unit_events(session, book=book, unit=row, start=start, end=end)
            name = translate("roster_calendar.unit_name", unit=row.name)
        else:
            raise ApiError(404, "not_found")
        zone = services.settings.timezone
        body = feed(
            events,
            name=name,
            zone=zone,
            translate=translate,
            now=now,
            name_people=isinstance(row, m.Unit),
        )
    return Response(body, media_type="text/calendar; charset=utf-8")


def _unit_and_month(
    session: Session, services: Services, request: Request, unit: str | None, month: str | None
) -> tuple[m.Unit, date]:
    """The unit the caller may act for and the month's first day; 401, 403 or 422 otherwise."""
    authenticate(session, request, services.callers)
    problems = [FieldProblem("unit", "required")] if not unit else []
    first_day = read_month(month)
    if first_day is None:
        problems.append(FieldProblem("month", "required" if not month else "roster_file_month"))
    if problems:
        raise ApiError(422, "invalid", fields=problems)
    target, _ = acting_for(session, services, request, unit)
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


def _rejected(result: ImportResult, services: Services) -> JSONResponse:
    errors = result.checked.errors
    problem = FieldProblem("file", "roster_file_problems", {"count": len(errors)})
    answer = render(ApiError(422, "roster_file_rejected", fields=[problem]), services.translate)
    body: dict[str, Any] = {
        "error": _json(answer)["error"],
        "report": report(errors, services.translate),
        "warnings": report(result.checked.warnings, services.translate),
    }
    return JSONResponse(body, status_code=422)


def _json(response: JSONResponse) -> dict[str, Any]:
    body: dict[str, Any] = json.loads(bytes(response.body))
    return body


def _links(request: Request, services: Services) -> CalendarLinks:
    """One link maker per app; without JIBAO_SECRET_KEY a random key that dies with the process."""
    links: CalendarLinks | None = getattr(request.app.state, "calendar_links", None)
    if links is None:
        key = services.settings.secret_key.get_secret_value()
        if not key:
            log.warning(
                "JIBAO_SECRET_KEY is not set: calendar links are signed with a random key "
                "and stop working when the service restarts"
            )
            key = secrets.token_urlsafe(32)
        links = CalendarLinks(key, services.settings.public_url)
        request.app.state.calendar_links = links
    return links
