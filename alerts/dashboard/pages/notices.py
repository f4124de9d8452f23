"""一事一通报 (Notices): the office's people see every notice and the candidates to draft; a
section head (or an admin) drafts one from a candidate, edits its 整改要求, approves it
(numbered, emailed to the unit, on the incident's timeline) or discards the draft; a unit
officer sees only the approved notices addressed to the unit. alerts/notices decides; a
refused form comes back with its problems and what was typed."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from alerts.dashboard.pages.common import Forbidden, PageContext, page_context
from alerts.dashboard.pages.incident_forms import FormRefused, refused_form
from alerts.errors import Invalid, Refused
from alerts.notices.access import View, notice_for, view_of
from alerts.notices.approval import approve
from alerts.notices.drafting import DRAFTER_ROLES, REQUIREMENTS_MAX, discard, draft, edit
from alerts.notices.sources import candidates
from alerts.notices.wording import heading, number_text
from alerts.services import ServicesDep
from alerts.storage import models as m
from alerts.storage.queries.notices import notice_emails

router = APIRouter(include_in_schema=False)
DONE = ("drafted", "saved", "approved", "discarded")


@router.get("/notices", response_class=HTMLResponse)
async def notices_page(request: Request, services: ServicesDep, done: str = "") -> HTMLResponse:
    """The candidates to draft (the office's people) and the notices the viewer sees."""
    with page_context(request, services) as ctx:
        return _list_page(ctx, done=done)


@router.post("/notices", response_model=None)
async def draft_post(request: Request, services: ServicesDep) -> Response:
    """Draft a notice from a candidate; its page on success."""
    with page_context(request, services) as ctx:
        view = _drafter_view(ctx)
        form = await ctx.form()
        try:
            row = draft(
                ctx.session,
                translate=services.translate,
                zone=services.settings.rules.timezone,
                office=view.office,
                key=form.get("source", ""),
                by=ctx.viewer.user.display_name,
                now=services.clock.now(),
            )
        except Refused as refused:
            return _list_page(ctx, refused=refused_form(refused))
        ctx.session.commit()
        return RedirectResponse(f"/notices/{row.id}?done=drafted", status_code=303)


@router.get("/notices/{notice_id}", response_class=HTMLResponse)
async def notice_page(
    notice_id: int, request: Request, services: ServicesDep, done: str = ""
) -> HTMLResponse:
    """One notice: as published, or the draft with its forms."""
    with page_context(request, services) as ctx:
        row = _notice(ctx, _view(ctx), notice_id)
        if row is None:
            return _not_found(ctx)
        return _notice_page(ctx, row, done=done)


@router.post("/notices/{notice_id}", response_model=None)
async def edit_post(notice_id: int, request: Request, services: ServicesDep) -> Response:
    """Save a draft's 整改要求."""
    with page_context(request, services) as ctx:
        row = _notice(ctx, _drafter_view(ctx), notice_id)
        if row is None:
            return _not_found(ctx)
        form = await ctx.form()
        try:
            edit(
                ctx.session,
                notice=row,
                requirements=form.get("requirements", ""),
                now=services.clock.now(),
            )
        except Refused as refused:
            return _notice_page(ctx, row, values=form, refused=_form_refused(refused))
        ctx.session.commit()
        return RedirectResponse(f"/notices/{row.id}?done=saved", status_code=303)


@router.post("/notices/{notice_id}/approval", response_model=None)
async def approve_post(notice_id: int, request: Request, services: ServicesDep) -> Response:
    """Approve a draft: numbered, emailed, on the timeline."""
    with page_context(request, services) as ctx:
        row = _notice(ctx, _drafter_view(ctx), notice_id)
        if row is None:
            return _not_found(ctx)
        await ctx.form()  # the CSRF check
        user = ctx.viewer.user
        try:
            approve(
                ctx.session,
                settings=services.settings,
                roster=ctx.roster,
                translate=services.translate,
                notice=row,
                by=user.display_name,
                user_id=user.id,
                now=services.clock.now(),
            )
        except Refused as refused:
            return _notice_page(ctx, row, refused=refused_form(refused))
        ctx.session.commit()
        services.wake()
        return RedirectResponse(f"/notices/{row.id}?done=approved", status_code=303)


@router.post("/notices/{notice_id}/discard", response_model=None)
async def discard_post(notice_id: int, request: Request, services: ServicesDep) -> Response:
    """Discard a draft; the list again, its source a candidate once more."""
    with page_context(request, services) as ctx:
        row = _notice(ctx, _drafter_view(ctx), notice_id)
        if row is None:
            return _not_found(ctx)
        await ctx.form()
        try:
            discard(ctx.session, notice=row)
        except Refused as refused:
            return _notice_page(ctx, row, refused=refused_form(refused))
        ctx.session.commit()
        return RedirectResponse("/notices?done=discarded", status_code=303)


def _view(ctx: PageContext) -> View:
    view = view_of(ctx.session, ctx.viewer.unit, office_reader=ctx.viewer.sees_everything)
    if view is None:
        raise Forbidden
    return view


def _drafter_view(ctx: PageContext) -> View:
    view = _view(ctx)
    if not view.is_office or ctx.viewer.user.role not in DRAFTER_ROLES:
        raise Forbidden
    return view


def _notice(ctx: PageContext, view: View, notice_id: int) -> m.Notice | None:
    return notice_for(ctx.session, view, notice_id)


def _not_found(ctx: PageContext) -> HTMLResponse:
    return ctx.pages.render(ctx.request, "notice_not_found.html", ctx.viewer, status=404)


def _form_refused(refused: Refused) -> FormRefused:
    """A field's problem beside its field; anything else said as a whole."""
    return refused_form(refused, said=not (isinstance(refused, Invalid) and refused.fields))


def _list_page(
    ctx: PageContext, *, done: str = "", refused: FormRefused | None = None
) -> HTMLResponse:
    view = _view(ctx)
    return ctx.pages.render(
        ctx.request,
        "notices.html",
        ctx.viewer,
        status=refused.status if refused else 200,
        candidates=candidates(ctx.session, office=view.office) if view.is_office else [],
        notices=view.notices(ctx.session),
        is_office=view.is_office,
        may_draft=view.is_office and ctx.viewer.user.role in DRAFTER_ROLES,
        number_text=lambda n: number_text(ctx.services.translate, n),
        done=done if done in DONE else "",
        errors=refused.errors([]) if refused else {},
    )


def _notice_page(
    ctx: PageContext,
    row: m.Notice,
    *,
    done: str = "",
    values: dict[str, str] | None = None,
    refused: FormRefused | None = None,
) -> HTMLResponse:
    view = _view(ctx)
    context: dict[str, Any] = {
        "notice": row,
        "office": view.office,
        "heading": heading(ctx.services.translate, row),
        "emails": notice_emails(ctx.session, notice_id=row.id),
        "may_act": view.is_office
        and ctx.viewer.user.role in DRAFTER_ROLES
        and row.state == "draft",
        "values": values or {"requirements": row.requirements},
        "errors": refused.errors(["requirements"]) if refused else {},
        "requirements_max": REQUIREMENTS_MAX,
        "done": done if done in DONE else "",
    }
    status = refused.status if refused else 200
    return ctx.pages.render(ctx.request, "notice.html", ctx.viewer, status=status, **context)
