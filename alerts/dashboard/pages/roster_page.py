"""值班表 (Roster) routes: the page (alerts/dashboard/pages/roster_view.py builds what it shows),
deciding a pending swap, accepting a handover, starting a duty check (查岗), and a month's roster
file to upload (all or nothing, with its report) or export."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from alerts.audit import dashboard_actor
from alerts.dashboard.board import visible_units
from alerts.dashboard.pages.common import Forbidden, PageContext, page_context
from alerts.dashboard.pages.roster_view import may_check, may_edit, page_values
from alerts.errors import Conflict, Refused
from alerts.roster import actions as roster_actions
from alerts.roster.files import (
    MEDIA_TYPES,
    Format,
    column_label,
    export_roster,
    import_roster,
    parse_month,
    report,
)
from alerts.services import ServicesDep
from alerts.storage import models as m

router = APIRouter(include_in_schema=False)
MAX_UPLOAD_BYTES = 2_000_000  # as the API's import: a month is a few KB
DONE = ("approved", "rejected", "accepted", "checked")


@router.get("/roster", response_class=HTMLResponse)
async def roster_page(
    request: Request,
    services: ServicesDep,
    unit: str | None = None,
    period: str = "week",
    on: str | None = None,
    done: str | None = None,
) -> HTMLResponse:
    """The whole page."""
    with page_context(request, services) as ctx:
        return _page(ctx, unit, period, on, done=done if done in DONE else None)


@router.post("/roster/swaps/{swap_id}/{decision}")
async def decide_swap(
    swap_id: int, decision: str, request: Request, services: ServicesDep
) -> Response:
    """Approve or reject a swap: only a leader on duty now may."""
    with page_context(request, services) as ctx:
        await ctx.form()
        swap = ctx.session.get(m.SwapRequest, swap_id)
        if swap is None or decision not in ("approve", "reject") or not _sees(ctx, swap.unit_id):
            raise Forbidden
        try:
            roster_actions.decide_swap(
                ctx.session,
                ctx.roster,
                swap,
                approve=decision == "approve",
                person_id=ctx.viewer.user.person_id,
                now=services.clock.now(),
                actor=dashboard_actor(ctx.viewer.user.username),
            )
        except Refused as refused:
            return _refused(ctx, swap.unit_id, refused)
        ctx.session.commit()
        return _back(ctx, swap.unit_id, "approved" if decision == "approve" else "rejected")


@router.post("/roster/handovers/{handover_id}/accept")
async def accept_handover(handover_id: int, request: Request, services: ServicesDep) -> Response:
    """The incoming officer accepts the shift."""
    with page_context(request, services) as ctx:
        await ctx.form()
        handover = ctx.session.get(m.Handover, handover_id)
        if handover is None or not _sees(ctx, handover.unit_id):
            raise Forbidden
        try:
            roster_actions.act_on_handover(
                handover,
                action="accept",
                person_id=ctx.viewer.user.person_id,
                notes="",
                now=services.clock.now(),
            )
        except Refused as refused:
            return _refused(ctx, handover.unit_id, refused)
        ctx.session.commit()
        return _back(ctx, handover.unit_id, "accepted")


@router.post("/roster/checks")
async def start_check(request: Request, services: ServicesDep) -> Response:
    """查岗: the office pings a unit's duty officer."""
    with page_context(request, services) as ctx:
        form = await ctx.form()
        unit = _unit(ctx, form.get("unit"))
        if unit is None or not may_check(ctx, unit):
            raise Forbidden
        try:
            roster_actions.start_duty_check(
                ctx.session,
                services,
                book=ctx.roster,
                messages=ctx.services.messages,
                unit=unit,
                office=ctx.viewer.unit,
                voice=form.get("voice") == "1",
            )
        except Refused as refused:
            return _refused(ctx, unit.id, refused)
        ctx.session.commit()
        services.wake()
        return _back(ctx, unit.id, "checked")


@router.post("/roster/upload", response_class=HTMLResponse)
async def upload(request: Request, services: ServicesDep) -> HTMLResponse:
    """Import a month's roster file, or import nothing and show what is wrong in it."""
    with page_context(request, services) as ctx:
        try:
            form = await ctx.form()
            data, filename = await _uploaded((await request.form()).get("file"))
            return _import(ctx, form, data, filename)
        finally:
            await (await request.form()).close()  # the spooled upload's temporary file


def _import(ctx: PageContext, form: dict[str, str], data: bytes, filename: str) -> HTMLResponse:
    unit = _unit(ctx, form.get("unit"))
    if unit is None or not may_edit(ctx, unit):
        raise Forbidden
    month = parse_month(form.get("month"))
    errors = {
        k: v
        for k, v in (
            ("month", None if month else "ui_roster.month_invalid"),
            ("file", None if data else "ui_roster.file_missing"),
            ("file", "ui_roster.file_too_large" if len(data) > MAX_UPLOAD_BYTES else None),
        )
        if v
    }
    if errors or month is None:
        return _upload_page(ctx, unit, form, errors=errors, status=422)
    result = import_roster(
        ctx.session,
        settings=ctx.services.settings,
        unit=unit,
        month=month,
        data=data,
        actor=dashboard_actor(ctx.viewer.user.username),
        now=ctx.services.clock.now(),
        note=f"dashboard {ctx.viewer.user.username} {filename}".strip(),
    )
    if result.checked.errors:
        ctx.session.rollback()
        return _upload_page(ctx, unit, form, result=result, status=422)
    ctx.session.commit()
    return _upload_page(ctx, unit, form, result=result)


async def _uploaded(part: object) -> tuple[bytes, str]:
    """The file's bytes (one more than the limit at most) and its name; empty when none."""
    if not isinstance(part, UploadFile):
        return b"", ""
    return await part.read(MAX_UPLOAD_BYTES + 1), part.filename or ""


@router.get("/roster/export")
async def export(
    request: Request, services: ServicesDep, unit: str, month: str, format: str = "csv"
) -> Response:
    """A unit's month in the import form, as CSV or XLSX."""
    with page_context(request, services) as ctx:
        target, first_day = _unit(ctx, unit), parse_month(month)
        if target is None or first_day is None or format not in MEDIA_TYPES:
            raise Forbidden
        kind: Format = "xlsx" if format == "xlsx" else "csv"
        body = export_roster(
            ctx.session, settings=services.settings, unit=target, month=first_day, fmt=kind
        )
        name = f"roster-{target.code}-{first_day:%Y-%m}.{kind}"
    return Response(
        body,
        media_type=MEDIA_TYPES[kind],
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def _page(
    ctx: PageContext,
    code: str | None,
    period: str,
    on: str | None,
    *,
    done: str | None = None,
    error: str | None = None,
    status: int = 200,
) -> HTMLResponse:
    units = visible_units(ctx.session, ctx.viewer)
    unit = next((u for u in units if u.code == code), units[0])
    return ctx.pages.render(
        ctx.request,
        "roster.html",
        ctx.viewer,
        done=done,
        error=error,
        status=status,
        **page_values(ctx, unit, units, period, on),
    )


def _upload_page(
    ctx: PageContext,
    unit: m.Unit,
    form: dict[str, str],
    *,
    errors: dict[str, str] | None = None,
    result: Any = None,
    status: int = 200,
) -> HTMLResponse:
    translate = ctx.pages.translators[ctx.pages.language(ctx.request)]
    checked = result.checked if result is not None else None
    return ctx.pages.render(
        ctx.request,
        "roster_upload.html",
        ctx.viewer,
        unit=unit,
        editable=[u for u in visible_units(ctx.session, ctx.viewer) if may_edit(ctx, u)],
        month=form.get("month", ""),
        errors=errors or {},
        result=result,
        problems=report(checked.errors, translate) if checked else [],
        column_label=lambda column: column_label(column, translate),
        warnings=report(checked.warnings, translate) if checked else [],
        status=status,
    )


def _refused(ctx: PageContext, unit_id: int, refused: Refused) -> HTMLResponse:
    ctx.session.rollback()
    unit = ctx.session.get(m.Unit, unit_id)
    code = unit.code if unit else None
    status = 409 if isinstance(refused, Conflict) else 403
    return _page(ctx, code, "week", None, error=refused.reason, status=status)


def _back(ctx: PageContext, unit_id: int, done: str) -> RedirectResponse:
    unit = ctx.session.get(m.Unit, unit_id)
    return RedirectResponse(f"/roster?unit={unit.code if unit else ''}&done={done}", 303)


def _unit(ctx: PageContext, code: str | None) -> m.Unit | None:
    return next((u for u in visible_units(ctx.session, ctx.viewer) if u.code == code), None)


def _sees(ctx: PageContext, unit_id: int) -> bool:
    return any(u.id == unit_id for u in visible_units(ctx.session, ctx.viewer))
