"""值班台 (Now): who is on duty, every open incident and instruction with its countdown, live."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from alerts.dashboard.board import board_instructions, board_rows, duty_lines, visible_units
from alerts.dashboard.pages.common import page_context
from alerts.dashboard.pages.incidents import ACTORS
from alerts.services import ServicesDep

router = APIRouter(include_in_schema=False)
REFRESH_SECONDS = 15


@router.get("/", response_class=HTMLResponse)
async def now_page(request: Request, services: ServicesDep) -> HTMLResponse:
    """The whole page."""
    return _render(request, services, "now.html")


@router.get("/now/rows", response_class=HTMLResponse)
async def now_rows(request: Request, services: ServicesDep) -> HTMLResponse:
    """The live part, fetched again every few seconds."""
    return _render(request, services, "_now_live.html")


def _render(request: Request, services: ServicesDep, template: str) -> HTMLResponse:
    with page_context(request, services) as ctx:
        now = services.clock.now()
        units = visible_units(ctx.session, ctx.viewer)
        return ctx.pages.render(
            request,
            template,
            ctx.viewer,
            now=now,
            refresh=REFRESH_SECONDS,
            duty=duty_lines(ctx.session, units, ctx.roster, now),
            rows=board_rows(ctx.session, ctx.viewer, units),
            instructions=board_instructions(ctx.session, ctx.viewer, units),
            may_record=ctx.viewer.sees_everything and ctx.viewer.user.role in ACTORS,
        )
