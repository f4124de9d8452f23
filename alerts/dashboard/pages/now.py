"""值班台 (Now): who is on duty, the most urgent open incidents (every one with `?all=1`) and
every open instruction with its countdown, and the section's bulletins still to publish
(K14/K15), live."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from alerts.bulletins.publishing import section_duties
from alerts.dashboard.board import (
    board_incidents,
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
CARDS = 100  # the most urgent open incidents shown as cards; `?all=1` shows every one
ShowAll = Annotated[bool, Query(alias="all")]


# Plain `def` (not `async def`): the database work and rendering run in the threadpool, so the
# event loop stays free for filings, the alarm and other requests meanwhile.
@router.get("/", response_class=HTMLResponse)
def now_page(request: Request, services: ServicesDep, show_all: ShowAll = False) -> HTMLResponse:
    """The whole page."""
    return _render(request, services, "now.html", show_all=show_all)


@router.get("/now/rows", response_class=HTMLResponse)
def now_rows(request: Request, services: ServicesDep, show_all: ShowAll = False) -> HTMLResponse:
    """The live part, fetched again every few seconds."""
    return _render(request, services, "_now_live.html", show_all=show_all)


def _render(
    request: Request, services: ServicesDep, template: str, *, show_all: bool
) -> HTMLResponse:
    with page_context(request, services) as ctx:
        now = services.clock.now()
        units = visible_units(ctx.session, ctx.viewer)
        duty = duty_lines(ctx.session, units, ctx.roster, now)
        found = board_incidents(ctx.session, ctx.viewer, units, cards=None if show_all else CARDS)
        rows = board_rows(ctx.session, found.cards, roster=ctx.roster, now=now, duty=duty)
        instructions = board_instructions(ctx.session, ctx.viewer, units)
        return ctx.pages.render(
            request,
            template,
            ctx.viewer,
            now=now,
            refresh=REFRESH_SECONDS,
            duty=duty,
            rows=rows,
            total=len(found.due),
            show_all=show_all,
            cards=CARDS,
            instructions=instructions,
            counts=summary(found.due, instructions, now),
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
