"""The information section's bulletins (通报) by API: preview any month or quarter, publish one
that has ended (the office's token), list and read published ones (any token of the office), and
download either as XLSX or PDF — the same content as the dashboard's (alerts/bulletins)."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from alerts.api.deps import CallerDep, WireDep
from alerts.api.errors import ApiError, error_responses
from alerts.api.schemas import Day, Moment, Out
from alerts.api.wire import Wire
from alerts.bulletins import documents
from alerts.bulletins.content import Bulletin, draft, published
from alerts.bulletins.publishing import bulletin_period, listed, number_text, publish, title
from alerts.errors import Forbidden
from alerts.services import ClockDep, ServicesDep, SessionDep
from alerts.storage import models as m
from alerts.storage.queries import reporting_office

router = APIRouter(tags=["bulletins"])
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


FILES: dict[str, Any] = {
    "description": "JSON, or with `format` the XLSX or PDF file",
    "content": {
        media: {"schema": {"type": "string", "format": "binary"}} for media in MEDIA.values()
    },
}


class BulletinIn(BaseModel):
    """Which bulletin to publish."""

    model_config = ConfigDict(extra="forbid")
    kind: Literal["monthly", "quarterly"]
    period: str = Field(max_length=16, description="a month as 2026-11, a quarter as 2026-Q4")


class BulletinOut(Out):
    """A bulletin: `number` and `published_at` null for a preview."""

    id: int | None
    kind: str
    period: str
    first_day: Day
    last_day: Day
    title: str
    number: int | None
    number_text: str
    published_at: Moment | None
    published_by: str | None
    rows: list[dict[str, Any]] = Field(
        description="per unit: code, name, every records column, confirmed_findings, score"
    )


class BulletinListOut(Out):
    """Published bulletins, newest first (without their rows)."""

    bulletins: list[BulletinOut]


@router.get("/api/v1/bulletins", responses=error_responses(401, 403))
async def list_bulletins(
    session: SessionDep, caller: CallerDep, wire: WireDep, services: ServicesDep
) -> BulletinListOut:
    """The office's published bulletins."""
    office = _office(session, caller)
    return BulletinListOut(
        bulletins=[
            _out(wire, services, published(session, b), rows=False)
            for b in listed(session, office=office)
        ]
    )


@router.get(
    "/api/v1/bulletins/draft",
    response_model=BulletinOut,
    responses={200: FILES, **error_responses(401, 403, 422, 503)},
)
async def preview_bulletin(
    session: SessionDep,
    caller: CallerDep,
    wire: WireDep,
    services: ServicesDep,
    clock: ClockDep,
    kind: str = Query(description="monthly or quarterly"),
    period: str = Query(max_length=16, description="2026-11 or 2026-Q4"),
    format: Literal["json", "xlsx", "pdf"] = "json",
) -> Any:
    """A bulletin from the live records, not published (the office's token)."""
    office = _office(session, caller, office_only=True)
    span = bulletin_period(kind, period)
    bulletin = draft(session, office, span, clock.now(), services.settings.rules.timezone)
    return _answer(wire, services, bulletin, format)


@router.post(
    "/api/v1/bulletins", status_code=201, responses=error_responses(401, 403, 409, 413, 422)
)
async def publish_bulletin(
    body: BulletinIn,
    session: SessionDep,
    caller: CallerDep,
    wire: WireDep,
    services: ServicesDep,
    clock: ClockDep,
) -> BulletinOut:
    """Publish the bulletin of an ended period: numbered, frozen, emailed to each unit's
    principal. A period not yet ended or not a period is 422; a second time 409."""
    office = _office(session, caller, office_only=True)
    row = publish(
        session,
        settings=services.settings,
        roster=services.roster,
        translate=services.translate,
        office=office,
        period=bulletin_period(body.kind, body.period),
        by=caller.name,
        now=clock.now(),
    )
    session.commit()
    services.wake()
    return _out(wire, services, published(session, row))


@router.get(
    "/api/v1/bulletins/{bulletin_id}",
    response_model=BulletinOut,
    responses={200: FILES, **error_responses(401, 403, 404, 422, 503)},
)
async def get_bulletin(
    bulletin_id: int,
    session: SessionDep,
    caller: CallerDep,
    wire: WireDep,
    services: ServicesDep,
    format: Literal["json", "xlsx", "pdf"] = "json",
) -> Any:
    """A published bulletin, as JSON, XLSX or PDF."""
    office = _office(session, caller)
    row = session.get(m.Bulletin, bulletin_id)
    if row is None or row.office_id != office.id:
        raise ApiError(404, "bulletin_not_found")
    return _answer(wire, services, published(session, row), format)


def _office(session: SessionDep, caller: m.Unit, *, office_only: bool = False) -> m.Unit:
    office = reporting_office(session, unit=caller)
    if office is None or (office_only and office.id != caller.id):
        raise Forbidden()
    return office


def _answer(wire: Wire, services: ServicesDep, bulletin: Bulletin, format: str) -> Any:
    if format == "json":
        return _out(wire, services, bulletin)
    t = services.translate
    if format == "xlsx":
        body = documents.xlsx(bulletin, t, f"{title(bulletin, t)}（{number_text(bulletin, t)}）")
    else:
        try:
            body = documents.pdf(
                documents.print_html(bulletin, t, services.settings.rules.timezone)
            )
        except documents.PdfUnavailable as missing:
            raise ApiError(503, "pdf_unavailable") from missing
    name = f"bulletin-{bulletin.period.key}{'' if bulletin.number else '-draft'}.{format}"
    return Response(
        body,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _out(
    wire: Wire, services: ServicesDep, bulletin: Bulletin, *, rows: bool = True
) -> BulletinOut:
    t = services.translate
    return BulletinOut(
        id=bulletin.id,
        kind=bulletin.period.kind.value,
        period=bulletin.period.key,
        first_day=bulletin.period.first.isoformat(),
        last_day=bulletin.period.last.isoformat(),
        title=title(bulletin, t),
        number=bulletin.number,
        number_text=number_text(bulletin, t),
        published_at=wire.time(bulletin.published_at),
        published_by=bulletin.published_by or None,
        rows=bulletin.rows if rows else [],
    )
