"""值班台 (Now): who is on duty, every open incident and instruction with its countdown, and the
section's bulletins still to publish (K14/K15), live."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from alerts.bulletins.publishing import section_duties
from alerts.dashboard.board import (
    board_instructions,
    board_rows,
    duty_lines,
    summary,
    visible_units,
)
from alerts.dashboard.pages.common import PageContext, page_context
from alerts.dashboard.pages.incidents import ACTORS
from alerts.escalation.provider_channels import pause_lines
from alerts.services import ServicesDep
from alerts.storage.queries import reporting_office
from rules.bulletins import Duty

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
        duty = duty_lines(ctx.session, units, ctx.roster, now)
        rows = board_rows(ctx.session, ctx.viewer, units, roster=ctx.roster, now=now, duty=duty)
        instructions = board_instructions(ctx.session, ctx.viewer, units)
        return ctx.pages.render(
            request,
            template,
            ctx.viewer,
            now=now,
            refresh=REFRESH_SECONDS,
            duty=duty,
            rows=rows,
            instructions=instructions,
            counts=summary(rows, instructions, now),
            may_record=ctx.viewer.sees_everything and ctx.viewer.user.role in ACTORS,
            bulletin_duties=_bulletin_duties(ctx, now),
            provider_pauses=pause_lines(services.channels, ZoneInfo(services.settings.timezone)),
        )


def _bulletin_duties(ctx: PageContext, now: datetime) -> list[Duty]:
    """The section's K14/K15 bulletins still to publish, for the office's people."""
    office = reporting_office(ctx.session, unit=ctx.viewer.unit)
    if office is None or not ctx.viewer.sees_everything:
        return []
    duties = section_duties(ctx.session, settings=ctx.services.settings, office=office, now=now)
    return [d for d in duties if d.open]
