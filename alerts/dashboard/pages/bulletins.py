"""通报 (Bulletins): the section's K14/K15 deadlines, the published bulletins, a preview of any
month or quarter from the live records (the records page's figures for the same days), and
publishing one (section head, admin). Each, draft or published, downloads as XLSX or PDF. A unit
officer sees published bulletins only."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from alerts.bulletins import documents
from alerts.bulletins.content import COLUMNS, Bulletin, draft, published
from alerts.bulletins.publishing import (
    bulletin_period,
    listed,
    number_text,
    publish,
    section_duties,
    title,
)
from alerts.dashboard.pages.common import Forbidden, PageContext, page_context
from alerts.dashboard.pages.incident_forms import refused_form
from alerts.errors import Refused
from alerts.services import ServicesDep
from alerts.storage import models as m
from alerts.storage.queries import reporting_office
from rules.bulletins import Kind, containing

router = APIRouter(include_in_schema=False)
PUBLISHERS = frozenset({"section_head", "admin"})
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


@router.get("/bulletins", response_class=HTMLResponse)
async def bulletins_page(request: Request, services: ServicesDep) -> HTMLResponse:
    """The deadlines, the compose form and the published bulletins."""
    with page_context(request, services) as ctx:
        return _list_page(ctx, {}, {})


@router.get("/bulletins/draft", response_model=None)
async def draft_page(
    request: Request, services: ServicesDep, kind: str = "", period: str = "", format: str = "html"
) -> Response:
    """A bulletin from the live records, not published: as a page, XLSX or PDF."""
    with page_context(request, services) as ctx:
        office = _office(ctx)
        if not ctx.viewer.sees_everything:
            raise Forbidden
        try:
            span = bulletin_period(kind, period)
        except Refused as refused:
            errors = refused_form(refused, status=422, said=False)
            return _list_page(
                ctx, {"kind": kind, "period": period}, errors.errors(["kind", "period"]), 422
            )
        zone = services.settings.rules.timezone
        bulletin = draft(ctx.session, office, span, services.clock.now(), zone)
        return _answer(ctx, bulletin, format)


@router.post("/bulletins", response_model=None)
async def publish_post(request: Request, services: ServicesDep) -> Response:
    """Publish the bulletin of a period that has ended; its page on success."""
    with page_context(request, services) as ctx:
        office = _office(ctx)
        if ctx.viewer.user.role not in PUBLISHERS:
            raise Forbidden
        form = await ctx.form()
        values = {"kind": form.get("kind", ""), "period": form.get("period", "")}
        try:
            span = bulletin_period(values["kind"], values["period"])
            row = publish(
                ctx.session,
                settings=services.settings,
                roster=ctx.roster,
                translate=services.translate,
                office=office,
                period=span,
                by=ctx.viewer.user.display_name,
                now=services.clock.now(),
            )
        except Refused as refused:
            errors = refused_form(refused)
            return _list_page(ctx, values, errors.errors(["kind", "period"]), errors.status)
        ctx.session.commit()
        ctx.services.wake()
        return RedirectResponse(f"/bulletins/{row.id}?done=published", status_code=303)


@router.get("/bulletins/{bulletin_id}", response_model=None)
async def bulletin_page(
    bulletin_id: int, request: Request, services: ServicesDep, format: str = "html"
) -> Response:
    """A published bulletin: as a page, XLSX or PDF."""
    with page_context(request, services) as ctx:
        office = _office(ctx)
        row = ctx.session.get(m.Bulletin, bulletin_id)
        if row is None or row.office_id != office.id:
            return ctx.pages.render(request, "bulletin_not_found.html", ctx.viewer, status=404)
        return _answer(
            ctx, published(ctx.session, row), format, done=request.query_params.get("done", "")
        )


def _office(ctx: PageContext) -> m.Unit:
    office = reporting_office(ctx.session, unit=ctx.viewer.unit)
    if office is None:
        raise Forbidden
    return office


def _answer(ctx: PageContext, bulletin: Bulletin, format: str, done: str = "") -> Response:
    """The bulletin as the format asks: the page, or a download."""
    services = ctx.services
    t = ctx.pages.translators[ctx.pages.language(ctx.request)]
    zone = services.settings.rules.timezone
    heading = f"{title(bulletin, t)}（{number_text(bulletin, t)}）"
    name = f"bulletin-{bulletin.period.key}{'' if bulletin.number else '-draft'}"
    if format == "xlsx":
        body = documents.xlsx(bulletin, t, heading)
    elif format == "pdf":
        try:
            body = documents.pdf(documents.print_html(bulletin, t, zone))
        except documents.PdfUnavailable:
            return ctx.pages.render(
                ctx.request,
                "bulletin.html",
                ctx.viewer,
                status=503,
                **_view(ctx, bulletin, heading, "pdf_unavailable"),
            )
    else:
        return ctx.pages.render(
            ctx.request, "bulletin.html", ctx.viewer, **_view(ctx, bulletin, heading, done)
        )
    return Response(
        body,
        media_type=MEDIA[format],
        headers={"Content-Disposition": f'attachment; filename="{name}.{format}"'},
    )


def _view(ctx: PageContext, bulletin: Bulletin, heading: str, done: str) -> dict[str, Any]:
    return {
        "bulletin": bulletin,
        "heading": heading,
        "columns": COLUMNS,
        "done": done if done in ("published", "pdf_unavailable") else "",
        "may_publish": ctx.viewer.user.role in PUBLISHERS and bulletin.number is None,
        "ended": ctx.services.clock.now().astimezone(ctx.services.settings.rules.timezone).date()
        >= bulletin.period.end,
        "download": (
            f"/bulletins/{bulletin.id}?"
            if bulletin.id
            else f"/bulletins/draft?kind={bulletin.period.kind.value}&period={bulletin.period.key}&"
        ),
    }


def _list_page(
    ctx: PageContext,
    values: dict[str, str],
    errors: dict[str, list[tuple[str, object, str]]],
    status: int = 200,
) -> HTMLResponse:
    office = _office(ctx)
    services = ctx.services
    now = services.clock.now()
    today: date = now.astimezone(services.settings.rules.timezone).date()
    suggested = {kind: containing(kind, today).previous().key for kind in Kind}
    return ctx.pages.render(
        ctx.request,
        "bulletins.html",
        ctx.viewer,
        status=status,
        duties=section_duties(ctx.session, settings=services.settings, office=office, now=now)
        if ctx.viewer.sees_everything
        else [],
        bulletins=listed(ctx.session, office=office),
        kinds=[k.value for k in Kind],
        suggested=suggested,
        values=values,
        errors=errors,
        may_compose=ctx.viewer.sees_everything,
        may_publish=ctx.viewer.user.role in PUBLISHERS,
    )
